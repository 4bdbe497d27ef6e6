// Code generated via abigen V2 - DO NOT EDIT.
// This file is a generated binding and any manual changes will be lost.

package bindings

import (
	"bytes"
	"errors"
	"math/big"

	"github.com/ethereum/go-ethereum/accounts/abi"
	"github.com/ethereum/go-ethereum/accounts/abi/bind/v2"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
)

// Reference imports to suppress errors if they are not otherwise used.
var (
	_ = bytes.Equal
	_ = errors.New
	_ = big.NewInt
	_ = common.Big1
	_ = types.BloomLookup
	_ = abi.ConvertType
)

// Ask is an auto generated low-level Go binding around an user-defined struct.
type Ask struct {
	Slots                 uint64
	SlotSize              uint64
	Duration              uint64
	MaxSlotLoss           uint64
	ProofProbability      *big.Int
	PricePerBytePerSecond *big.Int
	CollateralPerByte     *big.Int
}

// CollateralConfig is an auto generated low-level Go binding around an user-defined struct.
type CollateralConfig struct {
	SlashPercentage           uint8
	ValidatorRewardPercentage uint8
	MaxNumberOfSlashes        uint8
	RepairRewardPercentage    uint8
}

// Content is an auto generated low-level Go binding around an user-defined struct.
type Content struct {
	Cid        []byte
	MerkleRoot [32]byte
}

// MarketplaceConfig is an auto generated low-level Go binding around an user-defined struct.
type MarketplaceConfig struct {
	Collateral           CollateralConfig
	Proofs               ProofConfig
	Reservations         SlotReservationsConfig
	RequestDurationLimit uint64
}

// MarketplaceSlotInfo is an auto generated low-level Go binding around an user-defined struct.
type MarketplaceSlotInfo struct {
	RequestId    [32]byte
	SlotIndex    uint64
	Host         common.Address
	FilledAt     uint64
	Root         [32]byte
	Collateral   *big.Int
	Slashes      *big.Int
	State        uint8
	Reservations *big.Int
}

// MarketplaceSlotStatus is an auto generated low-level Go binding around an user-defined struct.
type MarketplaceSlotStatus struct {
	State               uint8
	Host                common.Address
	MissingProofs       uint64
	Reservations        uint8
	ProofRequired       bool
	WillProofBeRequired bool
	ProofReceived       bool
	Markable            bool
	Pointer             uint8
	Challenge           [32]byte
}

// Proof is an auto generated low-level Go binding around an user-defined struct.
type Proof struct {
	Cells []byte
	Path  [][32]byte
}

// ProofConfig is an auto generated low-level Go binding around an user-defined struct.
type ProofConfig struct {
	Period          uint64
	Timeout         uint64
	Downtime        uint8
	DowntimeProduct uint8
	Samples         uint16
}

// Request is an auto generated low-level Go binding around an user-defined struct.
type Request struct {
	Client  common.Address
	Ask     Ask
	Content Content
	Expiry  uint64
	Nonce   [32]byte
}

// SlotReservationsConfig is an auto generated low-level Go binding around an user-defined struct.
type SlotReservationsConfig struct {
	MaxReservations uint8
}

// MarketplaceMetaData contains all meta data concerning the Marketplace contract.
var MarketplaceMetaData = bind.MetaData{
	ABI: "[{\"inputs\":[{\"internalType\":\"contractIERC20\",\"name\":\"token_\",\"type\":\"address\"},{\"components\":[{\"components\":[{\"internalType\":\"uint8\",\"name\":\"slashPercentage\",\"type\":\"uint8\"},{\"internalType\":\"uint8\",\"name\":\"validatorRewardPercentage\",\"type\":\"uint8\"},{\"internalType\":\"uint8\",\"name\":\"maxNumberOfSlashes\",\"type\":\"uint8\"},{\"internalType\":\"uint8\",\"name\":\"repairRewardPercentage\",\"type\":\"uint8\"}],\"internalType\":\"structCollateralConfig\",\"name\":\"collateral\",\"type\":\"tuple\"},{\"components\":[{\"internalType\":\"uint64\",\"name\":\"period\",\"type\":\"uint64\"},{\"internalType\":\"uint64\",\"name\":\"timeout\",\"type\":\"uint64\"},{\"internalType\":\"uint8\",\"name\":\"downtime\",\"type\":\"uint8\"},{\"internalType\":\"uint8\",\"name\":\"downtimeProduct\",\"type\":\"uint8\"},{\"internalType\":\"uint16\",\"name\":\"samples\",\"type\":\"uint16\"}],\"internalType\":\"structProofConfig\",\"name\":\"proofs\",\"type\":\"tuple\"},{\"components\":[{\"internalType\":\"uint8\",\"name\":\"maxReservations\",\"type\":\"uint8\"}],\"internalType\":\"structSlotReservationsConfig\",\"name\":\"reservations\",\"type\":\"tuple\"},{\"internalType\":\"uint64\",\"name\":\"requestDurationLimit\",\"type\":\"uint64\"}],\"internalType\":\"structMarketplaceConfig\",\"name\":\"config_\",\"type\":\"tuple\"}],\"stateMutability\":\"nonpayable\",\"type\":\"constructor\"},{\"inputs\":[],\"name\":\"AlreadyReserved\",\"type\":\"error\"},{\"inputs\":[],\"name\":\"AlreadyWithdrawn\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"string\",\"name\":\"reason\",\"type\":\"string\"}],\"name\":\"InvalidAsk\",\"type\":\"error\"},{\"inputs\":[],\"name\":\"InvalidClient\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"string\",\"name\":\"reason\",\"type\":\"string\"}],\"name\":\"InvalidConfig\",\"type\":\"error\"},{\"inputs\":[],\"name\":\"InvalidExpiry\",\"type\":\"error\"},{\"inputs\":[],\"name\":\"InvalidProof\",\"type\":\"error\"},{\"inputs\":[],\"name\":\"InvalidRecipient\",\"type\":\"error\"},{\"inputs\":[],\"name\":\"InvalidSlotIndex\",\"type\":\"error\"},{\"inputs\":[],\"name\":\"InvalidSlotRoot\",\"type\":\"error\"},{\"inputs\":[],\"name\":\"InvalidUrl\",\"type\":\"error\"},{\"inputs\":[],\"name\":\"NotClient\",\"type\":\"error\"},{\"inputs\":[],\"name\":\"NotReserved\",\"type\":\"error\"},{\"inputs\":[],\"name\":\"NotSlotHost\",\"type\":\"error\"},{\"inputs\":[],\"name\":\"PeriodNotEnded\",\"type\":\"error\"},{\"inputs\":[],\"name\":\"ProofAlreadyMarked\",\"type\":\"error\"},{\"inputs\":[],\"name\":\"ProofAlreadySubmitted\",\"type\":\"error\"},{\"inputs\":[],\"name\":\"ProofNotRequired\",\"type\":\"error\"},{\"inputs\":[],\"name\":\"ProofWasSubmitted\",\"type\":\"error\"},{\"inputs\":[],\"name\":\"RequestAlreadyExists\",\"type\":\"error\"},{\"inputs\":[],\"name\":\"RequestNotActive\",\"type\":\"error\"},{\"inputs\":[],\"name\":\"RequestNotEnded\",\"type\":\"error\"},{\"inputs\":[],\"name\":\"ReservationsFull\",\"type\":\"error\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"token\",\"type\":\"address\"}],\"name\":\"SafeERC20FailedOperation\",\"type\":\"error\"},{\"inputs\":[],\"name\":\"SlotNotFilled\",\"type\":\"error\"},{\"inputs\":[],\"name\":\"SlotNotFree\",\"type\":\"error\"},{\"inputs\":[],\"name\":\"UnknownRequest\",\"type\":\"error\"},{\"inputs\":[],\"name\":\"ValidationTimedOut\",\"type\":\"error\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":true,\"internalType\":\"address\",\"name\":\"host\",\"type\":\"address\"},{\"indexed\":false,\"internalType\":\"string\",\"name\":\"url\",\"type\":\"string\"}],\"name\":\"HostUrlSet\",\"type\":\"event\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":false,\"internalType\":\"bytes32\",\"name\":\"slotId\",\"type\":\"bytes32\"},{\"indexed\":false,\"internalType\":\"uint256\",\"name\":\"period\",\"type\":\"uint256\"}],\"name\":\"ProofMarkedMissing\",\"type\":\"event\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":false,\"internalType\":\"bytes32\",\"name\":\"slotId\",\"type\":\"bytes32\"}],\"name\":\"ProofSubmitted\",\"type\":\"event\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":true,\"internalType\":\"bytes32\",\"name\":\"requestId\",\"type\":\"bytes32\"}],\"name\":\"RequestCancelled\",\"type\":\"event\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":true,\"internalType\":\"bytes32\",\"name\":\"requestId\",\"type\":\"bytes32\"}],\"name\":\"RequestFailed\",\"type\":\"event\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":true,\"internalType\":\"bytes32\",\"name\":\"requestId\",\"type\":\"bytes32\"}],\"name\":\"RequestFulfilled\",\"type\":\"event\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":true,\"internalType\":\"bytes32\",\"name\":\"requestId\",\"type\":\"bytes32\"},{\"indexed\":false,\"internalType\":\"uint64\",\"name\":\"slotIndex\",\"type\":\"uint64\"}],\"name\":\"SlotFilled\",\"type\":\"event\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":true,\"internalType\":\"bytes32\",\"name\":\"requestId\",\"type\":\"bytes32\"},{\"indexed\":false,\"internalType\":\"uint64\",\"name\":\"slotIndex\",\"type\":\"uint64\"}],\"name\":\"SlotFreed\",\"type\":\"event\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":true,\"internalType\":\"bytes32\",\"name\":\"requestId\",\"type\":\"bytes32\"},{\"indexed\":false,\"internalType\":\"uint64\",\"name\":\"slotIndex\",\"type\":\"uint64\"}],\"name\":\"SlotReservationsFull\",\"type\":\"event\"},{\"anonymous\":false,\"inputs\":[{\"indexed\":false,\"internalType\":\"bytes32\",\"name\":\"requestId\",\"type\":\"bytes32\"},{\"components\":[{\"internalType\":\"uint64\",\"name\":\"slots\",\"type\":\"uint64\"},{\"internalType\":\"uint64\",\"name\":\"slotSize\",\"type\":\"uint64\"},{\"internalType\":\"uint64\",\"name\":\"duration\",\"type\":\"uint64\"},{\"internalType\":\"uint64\",\"name\":\"maxSlotLoss\",\"type\":\"uint64\"},{\"internalType\":\"uint256\",\"name\":\"proofProbability\",\"type\":\"uint256\"},{\"internalType\":\"uint256\",\"name\":\"pricePerBytePerSecond\",\"type\":\"uint256\"},{\"internalType\":\"uint256\",\"name\":\"collateralPerByte\",\"type\":\"uint256\"}],\"indexed\":false,\"internalType\":\"structAsk\",\"name\":\"ask\",\"type\":\"tuple\"},{\"indexed\":false,\"internalType\":\"uint64\",\"name\":\"expiry\",\"type\":\"uint64\"}],\"name\":\"StorageRequested\",\"type\":\"event\"},{\"inputs\":[],\"name\":\"config\",\"outputs\":[{\"components\":[{\"components\":[{\"internalType\":\"uint8\",\"name\":\"slashPercentage\",\"type\":\"uint8\"},{\"internalType\":\"uint8\",\"name\":\"validatorRewardPercentage\",\"type\":\"uint8\"},{\"internalType\":\"uint8\",\"name\":\"maxNumberOfSlashes\",\"type\":\"uint8\"},{\"internalType\":\"uint8\",\"name\":\"repairRewardPercentage\",\"type\":\"uint8\"}],\"internalType\":\"structCollateralConfig\",\"name\":\"collateral\",\"type\":\"tuple\"},{\"components\":[{\"internalType\":\"uint64\",\"name\":\"period\",\"type\":\"uint64\"},{\"internalType\":\"uint64\",\"name\":\"timeout\",\"type\":\"uint64\"},{\"internalType\":\"uint8\",\"name\":\"downtime\",\"type\":\"uint8\"},{\"internalType\":\"uint8\",\"name\":\"downtimeProduct\",\"type\":\"uint8\"},{\"internalType\":\"uint16\",\"name\":\"samples\",\"type\":\"uint16\"}],\"internalType\":\"structProofConfig\",\"name\":\"proofs\",\"type\":\"tuple\"},{\"components\":[{\"internalType\":\"uint8\",\"name\":\"maxReservations\",\"type\":\"uint8\"}],\"internalType\":\"structSlotReservationsConfig\",\"name\":\"reservations\",\"type\":\"tuple\"},{\"internalType\":\"uint64\",\"name\":\"requestDurationLimit\",\"type\":\"uint64\"}],\"internalType\":\"structMarketplaceConfig\",\"name\":\"\",\"type\":\"tuple\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"currentPeriod\",\"outputs\":[{\"internalType\":\"uint256\",\"name\":\"\",\"type\":\"uint256\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"bytes32\",\"name\":\"requestId\",\"type\":\"bytes32\"},{\"internalType\":\"uint64\",\"name\":\"slotIndex\",\"type\":\"uint64\"},{\"internalType\":\"bytes32\",\"name\":\"slotRoot\",\"type\":\"bytes32\"},{\"internalType\":\"bytes32[]\",\"name\":\"slotRootPath\",\"type\":\"bytes32[]\"},{\"components\":[{\"internalType\":\"bytes\",\"name\":\"cells\",\"type\":\"bytes\"},{\"internalType\":\"bytes32[]\",\"name\":\"path\",\"type\":\"bytes32[]\"}],\"internalType\":\"structProof\",\"name\":\"proof\",\"type\":\"tuple\"}],\"name\":\"fillSlot\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"bytes32\",\"name\":\"id\",\"type\":\"bytes32\"},{\"internalType\":\"address\",\"name\":\"rewardRecipient\",\"type\":\"address\"},{\"internalType\":\"address\",\"name\":\"collateralRecipient\",\"type\":\"address\"}],\"name\":\"freeSlot\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"bytes32\",\"name\":\"id\",\"type\":\"bytes32\"}],\"name\":\"freeSlot\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"bytes32\",\"name\":\"id\",\"type\":\"bytes32\"}],\"name\":\"getChallenge\",\"outputs\":[{\"internalType\":\"bytes32\",\"name\":\"\",\"type\":\"bytes32\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"bytes32\",\"name\":\"id\",\"type\":\"bytes32\"}],\"name\":\"getHost\",\"outputs\":[{\"internalType\":\"address\",\"name\":\"\",\"type\":\"address\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"bytes32\",\"name\":\"requestId\",\"type\":\"bytes32\"}],\"name\":\"getRequest\",\"outputs\":[{\"components\":[{\"internalType\":\"address\",\"name\":\"client\",\"type\":\"address\"},{\"components\":[{\"internalType\":\"uint64\",\"name\":\"slots\",\"type\":\"uint64\"},{\"internalType\":\"uint64\",\"name\":\"slotSize\",\"type\":\"uint64\"},{\"internalType\":\"uint64\",\"name\":\"duration\",\"type\":\"uint64\"},{\"internalType\":\"uint64\",\"name\":\"maxSlotLoss\",\"type\":\"uint64\"},{\"internalType\":\"uint256\",\"name\":\"proofProbability\",\"type\":\"uint256\"},{\"internalType\":\"uint256\",\"name\":\"pricePerBytePerSecond\",\"type\":\"uint256\"},{\"internalType\":\"uint256\",\"name\":\"collateralPerByte\",\"type\":\"uint256\"}],\"internalType\":\"structAsk\",\"name\":\"ask\",\"type\":\"tuple\"},{\"components\":[{\"internalType\":\"bytes\",\"name\":\"cid\",\"type\":\"bytes\"},{\"internalType\":\"bytes32\",\"name\":\"merkleRoot\",\"type\":\"bytes32\"}],\"internalType\":\"structContent\",\"name\":\"content\",\"type\":\"tuple\"},{\"internalType\":\"uint64\",\"name\":\"expiry\",\"type\":\"uint64\"},{\"internalType\":\"bytes32\",\"name\":\"nonce\",\"type\":\"bytes32\"}],\"internalType\":\"structRequest\",\"name\":\"\",\"type\":\"tuple\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"bytes32\",\"name\":\"id\",\"type\":\"bytes32\"}],\"name\":\"getSlot\",\"outputs\":[{\"components\":[{\"internalType\":\"bytes32\",\"name\":\"requestId\",\"type\":\"bytes32\"},{\"internalType\":\"uint64\",\"name\":\"slotIndex\",\"type\":\"uint64\"},{\"internalType\":\"address\",\"name\":\"host\",\"type\":\"address\"},{\"internalType\":\"uint64\",\"name\":\"filledAt\",\"type\":\"uint64\"},{\"internalType\":\"bytes32\",\"name\":\"root\",\"type\":\"bytes32\"},{\"internalType\":\"uint256\",\"name\":\"collateral\",\"type\":\"uint256\"},{\"internalType\":\"uint256\",\"name\":\"slashes\",\"type\":\"uint256\"},{\"internalType\":\"enumSlotState\",\"name\":\"state\",\"type\":\"uint8\"},{\"internalType\":\"uint256\",\"name\":\"reservations\",\"type\":\"uint256\"}],\"internalType\":\"structMarketplace.SlotInfo\",\"name\":\"info\",\"type\":\"tuple\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"host\",\"type\":\"address\"}],\"name\":\"hostUrl\",\"outputs\":[{\"internalType\":\"string\",\"name\":\"\",\"type\":\"string\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"bytes32\",\"name\":\"id\",\"type\":\"bytes32\"}],\"name\":\"isProofRequired\",\"outputs\":[{\"internalType\":\"bool\",\"name\":\"\",\"type\":\"bool\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"bytes32\",\"name\":\"id\",\"type\":\"bytes32\"},{\"internalType\":\"address\",\"name\":\"host\",\"type\":\"address\"}],\"name\":\"isReserved\",\"outputs\":[{\"internalType\":\"bool\",\"name\":\"\",\"type\":\"bool\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"bytes32\",\"name\":\"id\",\"type\":\"bytes32\"},{\"internalType\":\"uint256\",\"name\":\"period\",\"type\":\"uint256\"}],\"name\":\"markProofAsMissing\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"bytes32\",\"name\":\"id\",\"type\":\"bytes32\"}],\"name\":\"missingProofs\",\"outputs\":[{\"internalType\":\"uint256\",\"name\":\"\",\"type\":\"uint256\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"bytes32\",\"name\":\"id\",\"type\":\"bytes32\"},{\"internalType\":\"address\",\"name\":\"rewardRecipient\",\"type\":\"address\"},{\"internalType\":\"address\",\"name\":\"collateralRecipient\",\"type\":\"address\"}],\"name\":\"payoutSlot\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"bytes32\",\"name\":\"requestId\",\"type\":\"bytes32\"}],\"name\":\"requestEnd\",\"outputs\":[{\"internalType\":\"uint64\",\"name\":\"\",\"type\":\"uint64\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"bytes32\",\"name\":\"requestId\",\"type\":\"bytes32\"}],\"name\":\"requestExpiry\",\"outputs\":[{\"internalType\":\"uint64\",\"name\":\"\",\"type\":\"uint64\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"bytes32\",\"name\":\"requestId\",\"type\":\"bytes32\"}],\"name\":\"requestState\",\"outputs\":[{\"internalType\":\"enumRequestState\",\"name\":\"\",\"type\":\"uint8\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"components\":[{\"internalType\":\"address\",\"name\":\"client\",\"type\":\"address\"},{\"components\":[{\"internalType\":\"uint64\",\"name\":\"slots\",\"type\":\"uint64\"},{\"internalType\":\"uint64\",\"name\":\"slotSize\",\"type\":\"uint64\"},{\"internalType\":\"uint64\",\"name\":\"duration\",\"type\":\"uint64\"},{\"internalType\":\"uint64\",\"name\":\"maxSlotLoss\",\"type\":\"uint64\"},{\"internalType\":\"uint256\",\"name\":\"proofProbability\",\"type\":\"uint256\"},{\"internalType\":\"uint256\",\"name\":\"pricePerBytePerSecond\",\"type\":\"uint256\"},{\"internalType\":\"uint256\",\"name\":\"collateralPerByte\",\"type\":\"uint256\"}],\"internalType\":\"structAsk\",\"name\":\"ask\",\"type\":\"tuple\"},{\"components\":[{\"internalType\":\"bytes\",\"name\":\"cid\",\"type\":\"bytes\"},{\"internalType\":\"bytes32\",\"name\":\"merkleRoot\",\"type\":\"bytes32\"}],\"internalType\":\"structContent\",\"name\":\"content\",\"type\":\"tuple\"},{\"internalType\":\"uint64\",\"name\":\"expiry\",\"type\":\"uint64\"},{\"internalType\":\"bytes32\",\"name\":\"nonce\",\"type\":\"bytes32\"}],\"internalType\":\"structRequest\",\"name\":\"request\",\"type\":\"tuple\"}],\"name\":\"requestStorage\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"client\",\"type\":\"address\"}],\"name\":\"requestsOf\",\"outputs\":[{\"internalType\":\"bytes32[]\",\"name\":\"\",\"type\":\"bytes32[]\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"bytes32\",\"name\":\"id\",\"type\":\"bytes32\"},{\"internalType\":\"address\",\"name\":\"host\",\"type\":\"address\"}],\"name\":\"reservationRank\",\"outputs\":[{\"internalType\":\"uint8\",\"name\":\"\",\"type\":\"uint8\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"bytes32\",\"name\":\"requestId\",\"type\":\"bytes32\"},{\"internalType\":\"uint64\",\"name\":\"slotIndex\",\"type\":\"uint64\"}],\"name\":\"reserveSlot\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"string\",\"name\":\"url\",\"type\":\"string\"}],\"name\":\"setHostUrl\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"bytes32\",\"name\":\"requestId\",\"type\":\"bytes32\"},{\"internalType\":\"uint256\",\"name\":\"slotIndex\",\"type\":\"uint256\"}],\"name\":\"slotId\",\"outputs\":[{\"internalType\":\"bytes32\",\"name\":\"\",\"type\":\"bytes32\"}],\"stateMutability\":\"pure\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"bytes32\",\"name\":\"id\",\"type\":\"bytes32\"}],\"name\":\"slotState\",\"outputs\":[{\"internalType\":\"enumSlotState\",\"name\":\"\",\"type\":\"uint8\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"bytes32[]\",\"name\":\"ids\",\"type\":\"bytes32[]\"},{\"internalType\":\"uint256\",\"name\":\"markPeriod\",\"type\":\"uint256\"}],\"name\":\"slotStatuses\",\"outputs\":[{\"components\":[{\"internalType\":\"enumSlotState\",\"name\":\"state\",\"type\":\"uint8\"},{\"internalType\":\"address\",\"name\":\"host\",\"type\":\"address\"},{\"internalType\":\"uint64\",\"name\":\"missingProofs\",\"type\":\"uint64\"},{\"internalType\":\"uint8\",\"name\":\"reservations\",\"type\":\"uint8\"},{\"internalType\":\"bool\",\"name\":\"proofRequired\",\"type\":\"bool\"},{\"internalType\":\"bool\",\"name\":\"willProofBeRequired\",\"type\":\"bool\"},{\"internalType\":\"bool\",\"name\":\"proofReceived\",\"type\":\"bool\"},{\"internalType\":\"bool\",\"name\":\"markable\",\"type\":\"bool\"},{\"internalType\":\"uint8\",\"name\":\"pointer\",\"type\":\"uint8\"},{\"internalType\":\"bytes32\",\"name\":\"challenge\",\"type\":\"bytes32\"}],\"internalType\":\"structMarketplace.SlotStatus[]\",\"name\":\"out\",\"type\":\"tuple[]\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"address\",\"name\":\"host\",\"type\":\"address\"}],\"name\":\"slotsOf\",\"outputs\":[{\"internalType\":\"bytes32[]\",\"name\":\"\",\"type\":\"bytes32[]\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"bytes32\",\"name\":\"id\",\"type\":\"bytes32\"},{\"components\":[{\"internalType\":\"bytes\",\"name\":\"cells\",\"type\":\"bytes\"},{\"internalType\":\"bytes32[]\",\"name\":\"path\",\"type\":\"bytes32[]\"}],\"internalType\":\"structProof\",\"name\":\"proof\",\"type\":\"tuple\"}],\"name\":\"submitProof\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"},{\"inputs\":[],\"name\":\"token\",\"outputs\":[{\"internalType\":\"contractIERC20\",\"name\":\"\",\"type\":\"address\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"bytes32\",\"name\":\"id\",\"type\":\"bytes32\"}],\"name\":\"willProofBeRequired\",\"outputs\":[{\"internalType\":\"bool\",\"name\":\"\",\"type\":\"bool\"}],\"stateMutability\":\"view\",\"type\":\"function\"},{\"inputs\":[{\"internalType\":\"bytes32\",\"name\":\"requestId\",\"type\":\"bytes32\"}],\"name\":\"withdrawFunds\",\"outputs\":[],\"stateMutability\":\"nonpayable\",\"type\":\"function\"}]",
	ID:  "Marketplace",
	Bin: "0x60a0604052346105d35760405161401938819003601f8101601f191683016001600160401b038111848210176105bf578392829160405283398101039061018082126105d3578051906001600160a01b03821682036105d357601f1983019261016084126105d35760806100716105d7565b94126105d35761007f6105d7565b61008b602084016105f6565b8152610099604084016105f6565b60208201526100aa606084016105f6565b60408201526100bb608084016105f6565b6060820152845260a0609f198201126105d3576040519060a082016001600160401b038111838210176105bf576040526100f760a08401610604565b825261010560c08401610604565b602083015261011660e084016105f6565b604083015261012861010084016105f6565b60608301526101208301519061ffff821682036105d357602091608084015281860192835261013f1901126105d35760405191602083016001600160401b038111848210176105bf57610198916101609160405261018961014082016105f6565b85526040870194855201610604565b9360608101948552805182519060ff81511690604081019160ff835116908181029181830414901517156105ab5760ff60608301511681018091116105ab5760641061052d5760ff6020606492015116116104d9575160ff16156104935780516001600160401b03161561045c576080015161ffff16156104245760ff83515116156103de5784516001600160401b031680159081156103cd575b506103785760809384525180515f805460208085015160408087015160609788015163ffffffff1990951660ff9788161760089390931b61ff00169290921760109290921b62ff0000169190911760189390931b63ff00000016929092179092559351805160018054938301518388015196840151938a01516001600160a01b03199095166001600160401b039384161790881b6fffffffffffffffff000000000000000016179590981b60ff60801b169490941760889190911b60ff60881b161760909190911b61ffff60901b16179094559151516002805460ff191691909416179092559151600380546001600160401b031916919093161790915551613a009081610619823960805181818161018301528181610d2701528181610ff0015281816118e0015281816123e50152818161317a015281816131a601526131e40152f35b6040516389a6198960e01b815260206004820152602660248201527f726571756573744475726174696f6e4c696d6974206d75737420626520312e2e604482015265325e34302d3160d01b6064820152608490fd5b65010000000000915010155f610233565b6040516389a6198960e01b815260206004820152601760248201527f6d61785265736572766174696f6e73206973207a65726f0000000000000000006044820152606490fd5b6040516389a6198960e01b815260206004820152600f60248201526e73616d706c6573206973207a65726f60881b6044820152606490fd5b6040516389a6198960e01b815260206004820152600e60248201526d706572696f64206973207a65726f60901b6044820152606490fd5b6040516389a6198960e01b815260206004820152601a60248201527f6d61784e756d6265724f66536c6173686573206973207a65726f0000000000006044820152606490fd5b6040516389a6198960e01b815260206004820152602560248201527f76616c696461746f7252657761726450657263656e7461676520657863656564604482015264073203130360dc1b6064820152608490fd5b6040516389a6198960e01b815260206004820152604960248201527f736c61736850657263656e74616765202a206d61784e756d6265724f66536c6160448201527f73686573202b2072657061697252657761726450657263656e7461676520657860648201526806365656473203130360bc1b608482015260a490fd5b634e487b7160e01b5f52601160045260245ffd5b634e487b7160e01b5f52604160045260245ffd5b5f80fd5b60405190608082016001600160401b038111838210176105bf57604052565b519060ff821682036105d357565b51906001600160401b03821682036105d35756fe60806040526004361015610011575f80fd5b5f3560e01c806302fa8e65146124bc57806305b907731461248d578063060406181461246657806308695fcd146121db5780630ae013ad1461215f5780630aefaabe146121205780631282760214611f7a5780632a22003914611f08578063329b5a0b14611eb25780633bf30dc814611d155780633da0cd39146113fd578063458d2bf1146113c25780635a39bba81461122c5780636317e00b146110d25780636b00c8cf1461105d5780636e2b54ee14610e5d5780636ffd9b05146109f457806379502c55146108625780637969ec0e146108415780638ac48a59146107c3578063a27f463514610749578063a29c29a41461072b578063a3a0807e1461070d578063b8b6c4a6146105d0578063be5cdc48146105a3578063c0cc4add1461055a578063cfd712ee1461050a578063f2db32cf14610424578063f752196b146103f4578063fb1e61ca146101b65763fc0c546a1461016e575f80fd5b346101b2575f3660031901126101b2576040517f00000000000000000000000000000000000000000000000000000000000000006001600160a01b03168152602090f35b5f80fd5b346101b25760203660031901126101b2575f60806040516101d681612756565b8281526040516101e581612704565b83815283602082015283604082015283606082015283838201528360a08201528360c0820152602082015260405161021c8161278c565b606081528360208201526040820152826060820152015261023e600435612c81565b60405161024a81612756565b81546001600160a01b0316815261026360018301612800565b9160208201928352600581016040519061027c8261278c565b60405190815f82549261028e84612a28565b80845293600181169081156103d2575060011461038e575b506102b3925003826127a7565b815260068201546020820152604083019081526001600160401b0360088160078501541693606086019485520154916080850192835260c06040519687966020885260018060a01b039051166020880152518381511660408801528360208201511660608801528360408201511660808801528360608201511660a088015260808101518288015260a081015160e0880152015161010086015251926101606101208601526020610372855160406101808901526101c0880190612608565b9401516101a08601525116610140840152516101608301520390f35b90505f9291925260205f20905f915b8183106103b65750509060206102b392820101886102a6565b602091935080600191548385880101520191019091839261039d565b9050602092506102b394915060ff191682840152151560051b820101886102a6565b346101b25760203660031901126101b2576004355f526006602052602060ff60405f205460c81c16604051908152f35b346101b25760203660031901126101b2576001600160a01b03610445612518565b165f52600c60205260405f20604051905f9080549061046382612a28565b80855291600181169081156104e357506001146104a3575b61049f8461048b818603826127a7565b604051918291602083526020830190612608565b0390f35b5f90815260208120939250905b8082106104c95750909150810160200161048b8261047b565b9192600181602092548385880101520191019092916104b0565b60ff191660208087019190915292151560051b8501909201925061048b915083905061047b565b346101b2576105183661252e565b906001600160a01b038116158015610549575b61053a5761053892613260565b005b634e46966960e11b5f5260045ffd5b506001600160a01b0382161561052b565b346101b25760203660031901126101b2576020610599600435805f526006835260405f206105936001600160401b036001541642612867565b91612d44565b6040519015158152f35b346101b25760203660031901126101b25760206105c1600435612bf5565b6105ce60405180926125fb565bf35b346101b25760403660031901126101b2576024356004356001600160401b0382116101b257604060031983360301126101b257805f52600660205260405f209061061981612bf5565b60078110156106f9576001036106ea5761063e6001600160401b036001541642612867565b815f52600760205260405f20815f5260205260ff60405f2054166106db576106b3837f3b989d183b84b02259d7c14b34a9c9eb0fccb4c355a920d25e581e25aef4993d956002600360209701549201545f52600486526004019066ffffffffffffff600160405f20015460481c169085613768565b815f526007835260405f20905f52825260405f20600160ff19825416179055604051908152a1005b633e77430d60e01b5f5260045ffd5b63df90c07d60e01b5f5260045ffd5b634e487b7160e01b5f52602160045260245ffd5b346101b25760203660031901126101b2576020610599600435612b5f565b346101b25760203660031901126101b2576105383333600435613062565b346101b25760403660031901126101b257600435610765612502565b815f52600b60205260405f209060018060a01b03165f5260205260405f205460081c905f52600660205260405f205460e01c90600182018092116107af5760209160405191148152f35b634e487b7160e01b5f52601160045260245ffd5b346101b25760203660031901126101b2576001600160a01b036107e4612518565b165f52600a60205260405f206040519081602082549182815201915f5260205f20905f5b81811061082b5761049f8561081f818703826127a7565b60405191829182612592565b8254845260209093019260019283019201610808565b346101b257602061085a610854366124ec565b90612b39565b604051908152f35b346101b2575f3660031901126101b2575f60606040516108818161273b565b60405161088d8161273b565b838152836020820152836040820152838382015281526040516108af81612756565b838152836020820152836040820152838382015283608082015260208201526040516108da81612771565b838152604082015201526101606040516108f38161273b565b6108fb6127c8565b81526001600160401b0360405161091181612756565b61ffff6001548381168352838160401c16602084015260ff8160801c16604084015260ff8160881c16606084015260901c1660808201526020830190815260ff60405161095d81612771565b816002541681526040850190815261ffff6080856003541694606088019586528460606040519951828151168b528260208201511660208c01528260408201511660408c015201511660608901525186815116828901528660208201511660a08901528460408201511660c08901528460608201511660e08901520151166101008601525151166101208401525116610140820152f35b346101b25760a03660031901126101b257600435610a10612568565b906044356064356001600160401b0381116101b257610a339036906004016125cb565b91608435906001600160401b0382116101b257604060031983360301126101b257610a5d85612c81565b91610a6a60018401612800565b936001600160401b0380865116981697881015610e4e57610a8a87612639565b60058110156106f9578015159081610e42575b50610e3357610aac8888612b39565b93845f52600660205260405f2096875460ff8160d01c1660048110156106f95760018114908115610e28575b50610e1957865f52600b60205260405f2060018060a01b0333165f5260205260405f205460081c9060e01c90600182018092116107af5703610e0a575f868152600b602090815260408083203384529091528120558651610b41906001600160401b03166136af565b811492831593610dec575b505050610ddd57610b8d90610b77602086019160040166ffffffffffffff835160081c168587613768565b6001600160401b0360c0860151915116906126f1565b958692865f52600560205260405f209560ff815460d01c169460048610156106f9576002899614610d9d575b8154600160d01b64ffffffffff60a01b4260a01b166001600160d81b03199092163366ffffffffffffff60a01b191617919091171760ff60d81b19811683557f8f301470a994578b52323d625dfbf827ca5208c81747d3459be7b8867baec3ec9560209594610cb09490939192600392610c9891610c5d90610c3d9060e01c612b21565b84546001600160e01b031660e09190911b6001600160e01b031916178455565b600183018054600160401b600160c01b03198a166001600160c01b03199091161760409290921b600160401b600160c01b0316919091179055565b8860028201550155335f52600a845260405f20612abe565b610cf1610cc96001600160401b03885460581c16612aea565b875467ffffffffffffffff60581b191660589190911b67ffffffffffffffff60581b16178755565b604051908152a2815460ff811660058110156106f957159182610d81575b5050610d4b575b505080610d1f57005b6105389030337f000000000000000000000000000000000000000000000000000000000000000061356c565b805460ff191660011790557f85e1543bf2f84fe80c6badbce3648c8539ad1df4d2b3d822938ca0538be727e65f80a28180610d16565b6001600160401b03919250819051169160581c16148480610d0f565b9092915f5460181c60ff16610db2908b6126f1565b60649004998a610dc191612b14565b996002890190815490610dd391612b14565b9055919290610bb9565b6319e91e2160e21b5f5260045ffd5b600692935090610dfd918b876136d2565b9101541415888080610b4c565b6340fee6bf60e11b5f5260045ffd5b630f6d2b8360e11b5f5260045ffd5b60039150148c610ad8565b63aef308b560e01b5f5260045ffd5b60019150141589610a9d565b633628a81b60e01b5f5260045ffd5b346101b25760203660031901126101b257600435610e7a81612c81565b80549091906001600160a01b0316330361104e57610e9781612639565b91600583101592836106f95780158015611041575b61103257825f52600560205260405f2093845460ff8160d81c166110235760ff60d81b1916600160d81b1785556106f957610ef291600260019214611014575b01612800565b90610efc81612c9e565b9160016002850154940154935f5b6001600160401b038351166001600160401b03821690811015610fcf57610f319085612b39565b5f52600660205260405f205460ff8160d01c1660048110156106f957600181149081610faf575b8115610fa4575b50610f77575b506001016001600160401b0316610f0a565b610f9c6001600160401b039293610f9660ff60019460c81c16876138f5565b9061262c565b929150610f65565b600391501488610f5f565b97610fc990610f968964ffffffffff8660a01c1689613925565b97610f58565b610538610fed84610fe88a610fe389613524565b612b14565b61262c565b337f0000000000000000000000000000000000000000000000000000000000000000612fe1565b61101e858561366c565b610eec565b636507689f60e01b5f5260045ffd5b6326c35cd760e11b5f5260045ffd5b505f935060018114610eac565b630836f21d60e21b5f5260045ffd5b346101b25760203660031901126101b2576004355f52600660205260405f205460ff8160d01c1660048110156106f957600181149081156110c7575b50156110be576020906001600160a01b03165b6040516001600160a01b039091168152f35b5060205f6110ac565b600391501482611099565b346101b25760203660031901126101b2576101206004355f6101006040516110f98161271f565b8281528260208201528260408201528260608201528260808201528260a08201528260c08201528260e08201520152805f52600660205260405f206112236002820154926001830154906111536003855495015491612bf5565b91604051956111618761271f565b865260208601916001600160401b03821683526001600160401b036040880160018060a01b0388168152606089019064ffffffffff8960a01c16825260808a019384526001600160801b0360a08b019560401c1685528260c08b019660ff8b60c81c1688526111d460e08d01998a612b08565b60ff6101008d019b60d81c168b526040519b518c52511660208b015260018060a01b0390511660408a0152511660608801525160808701525160a08601525160c08501525160e08401906125fb565b51610100820152f35b346101b25760203660031901126101b2576004356001600160401b0381116101b257366023820112156101b25780600401356001600160401b0381116101b25736602482840101116101b25761020081116113b357335f52600c60205260405f20916112a28261129c8554612a28565b85612a60565b5f92601f83116001146113255790611312916112f684807f778a948c1cc77261b9bae2f7d08b7839df1266a71af51c5975af1db5a8af8e1d96975f91611317575b508160011b915f199060031b1c19161790565b90555b60405191829160208352339560246020850192016129d6565b0390a2005b6024915085010135886112e3565b601f198316815f5260205f20905f5b81811061139857509084957f778a948c1cc77261b9bae2f7d08b7839df1266a71af51c5975af1db5a8af8e1d956113129594931061137c575b5050600185811b0190556112f9565b8301602401355f19600388901b60f8161c19169055858061136d565b84870160240135835560209687019660019093019201611334565b63e7bc872f60e01b5f5260045ffd5b346101b25760203660031901126101b257602061085a6113f86113f06001600160401b036001541642612867565b6004356135d5565b613602565b346101b25760203660031901126101b2576004356001600160401b0381116101b2573681900390600481016101606003198401126101b25761143e8161292d565b336001600160a01b0390911603611d065760248201926001600160401b0361146585612941565b16158015611cea575b611cad5760448301916001600160401b0361148884612941565b16158015611c99575b611c3f57606484016001600160401b036114aa82612941565b1615611c06576114b981612941565b6001600160401b038060035416911611611bb25760c4850135936115146115036001600160401b036114ea8a612941565b166001600160401b036114fc85612941565b16906126f1565b6001600160401b036114fc85612941565b8015611b58575f19048511611b6c5760e4860135906001600160401b0361153a82612941565b168015611b58576001600160801b03908104168211611b1257608487019161156183612941565b6001600160401b03806115738c612941565b1691161015611acc5760a4880135958615611a86578715611a40576101248901956001600160401b036115a588612941565b16158015611a1a575b611a0c5760405160208082019081529a90919081356001600160a01b03811681036101b2576001600160a01b031660408401526115ee606084018e612955565b6101048101359b60421985018d12156101b2576101606101408501528c820193600485013560221936879003018112156101b257856004910101602081359101906001600160401b0381116101b25780360382136101b2576024916116609160406101a08601526101e08501916129d6565b9501356101c08201526001600160401b0361167a8c61257e565b166101608201526116a181610144850135968761018083015203601f1981018352826127a7565b5190205f81815260046020526040902054909c906001600160a01b03166119fd575f8d8152600460205260409020926001600160a01b03906116e29061292d565b166bffffffffffffffffffffffff60a01b8454161783558d6001600160401b0361170f6001860192612941565b166001600160401b031982541617815561172888612941565b815467ffffffffffffffff60801b61173f8d612941565b60801b16906001600160401b036fffffffffffffffff00000000000000006001600160c01b031961176f8f612941565b60c01b169460401b16911617171790558a60028401558b6003840155856004840155600583019101906117a560048301806129f6565b906001600160401b0382116119e9576117c28261129c8554612a28565b5f90601f831160011461197a57926117fc836024946008979460e09b9a99975f9261196f575b50508160011b915f199060031b1c19161790565b90555b0135600682015561180f8a612941565b6001600160401b036007830191166001600160401b03198254161790550155895f52600560205260405f20805465ffffffffff004260081b169065ffffffffff001916179055335f52600960205261186a8a60405f20612abe565b60231901126101b2576001600160401b0396611909966118c36118dc956118b9611904986118af8f986118a86040519a6118a38c612704565b61257e565b8a5261257e565b602089015261257e565b604087015261257e565b6060850152608084015260a083015260c0820152613524565b30337f000000000000000000000000000000000000000000000000000000000000000061356c565b612941565b166001600160401b03421601906001600160401b0382116107af576001600160401b03610120926119657f975585b961c1ccbc2dedc8c5a8c1dec45c177209a485e3364ca3157a59a45a21956040519485526020850190612955565b16610100820152a1005b013590505f806117e8565b601f19831691845f5260205f20925f5b8181106119d15750936008969360e09a9998969360019383602498106119b8575b505050811b0190556117ff565b01355f19600384901b60f8161c191690555f80806119ab565b9193602060018192878701358155019501920161198a565b634e487b7160e01b5f52604160045260245ffd5b6317b5787760e11b5f5260045ffd5b62d36c8560e81b5f5260045ffd5b50611a2487612941565b6001600160401b0380611a3689612941565b16911610156115ae565b604051633f6dabeb60e11b815260206004820152601d60248201527f7072696365506572427974655065725365636f6e64206973207a65726f0000006044820152606490fd5b604051633f6dabeb60e11b815260206004820152601860248201527f70726f6f6650726f626162696c697479206973207a65726f00000000000000006044820152606490fd5b604051633f6dabeb60e11b815260206004820152601f60248201527f6d6178536c6f744c6f7373206d7573742062652062656c6f7720736c6f7473006044820152606490fd5b604051633f6dabeb60e11b815260206004820152601f60248201527f736c6f7420636f6c6c61746572616c20657863656564732075696e74313238006044820152606490fd5b634e487b7160e01b5f52601260045260245ffd5b604051633f6dabeb60e11b815260206004820152601760248201527f6465706f73697420657863656564732075696e743235360000000000000000006044820152606490fd5b604051633f6dabeb60e11b815260206004820152602560248201527f6475726174696f6e206578636565647320726571756573744475726174696f6e604482015264131a5b5a5d60da1b6064820152608490fd5b604051633f6dabeb60e11b815260206004820152601060248201526f6475726174696f6e206973207a65726f60801b6044820152606490fd5b604051633f6dabeb60e11b815260206004820152602b60248201527f736c6f7453697a65206d757374206265206120706f736974697665206d756c7460448201526a34b836329037b310191a9b60a91b6064820152608490fd5b5060ff611ca584612941565b161515611491565b604051633f6dabeb60e11b815260206004820152601460248201527339b637ba399036bab9ba10313290189717191a9b60611b6044820152606490fd5b506101006001600160401b03611cff86612941565b161161146e565b631b528a2560e31b5f5260045ffd5b346101b25760403660031901126101b2576004356001600160401b0381116101b257611d459036906004016125cb565b90602435611d5283612883565b92611d6060405194856127a7565b808452601f19611d6f82612883565b015f5b818110611e9b575050611d906001600160401b036001541642612867565b905f5b818110611e6657856040518091602082016020835281518091526020604084019201905f5b818110611dc6575050500390f35b9193509160206101406001926101208751611de28382516125fb565b858060a01b038582015116858401526001600160401b03604082015116604084015260ff606082015116606084015260808101511515608084015260a0810151151560a084015260c0810151151560c084015260e0810151151560e084015260ff610100820151166101008401520151610120820152019401910191849392611db8565b80611e7f8585611e79600195878b6128f5565b3561336b565b611e898289612919565b52611e948188612919565b5001611d93565b602090611ea661289a565b82828901015201611d72565b346101b25760203660031901126101b25760206001600160401b03611eff600435611edc81612c81565b905f526005845282600764ffffffffff60405f205460081c16920154169061262c565b16604051908152f35b346101b25760203660031901126101b2576001600160a01b03611f29612518565b165f52600960205260405f206040519081602082549182815201915f5260205f20905f5b818110611f645761049f8561081f818703826127a7565b8254845260209093019260019283019201611f4d565b346101b25760403660031901126101b257600435611f96612568565b611f9f82612639565b60058110156106f9578015159081612114575b50610e3357815f5260046020526001600160401b0380600160405f20015416911690811015610e4e57611fe58183612b39565b805f52600660205260405f209081549060ff8260d01c1660048110156106f95760018114908115612109575b50610e19578160e01c91600183018093116107af575f828152600b6020908152604080832033845290915290205460081c83146120fa5760ff9060d81c1660ff6002541693848210156120eb5760018201938483116107af5760ff946120b6945f52600b60205260405f2060018060a01b0333165f5260205260405f209160081b17905561209e82612871565b815460d886811b19909116918616901b179055612871565b16146120be57005b60207fc8e6c955744189a19222ec226b72ac1435d88d5745252dac56e6f679f64c037a91604051908152a2005b63672dca1560e01b5f5260045ffd5b6343d9a50360e11b5f5260045ffd5b600391501486612011565b60019150141583611fb2565b346101b25761212e3661252e565b906001600160a01b03811615801561214e575b61053a5761053892613062565b506001600160a01b03821615612141565b346101b25760403660031901126101b25760043561217b612502565b815f52600b60205260405f209060018060a01b03165f5260205260405f2054905f52600660205260405f205460e01c600181018091116107af578160081c145f146121d25760ff602091165b60ff60405191168152f35b5060205f6121c7565b346101b2576121e9366124ec565b90805f52600660205260405f209161220082612bf5565b60078110156106f9576001036106ea576001546001600160401b0381166122278142612867565b8310156124575760018301908184116107af57612243916126f1565b804210612457576001600160401b036122609260401c169061262c565b42101561244857815f52600760205260405f20815f5260205260ff60405f20541661243957815f52600860205260405f20815f5260205260ff60405f20541661242a576122ae818484612d44565b1561241b57816040917fa17806fe55c2cbf824441ca966a565d0f6f5111b370ee84f36b766dcc6e4c3af935f526008602052825f20815f52602052825f20600160ff1982541617905582519182526020820152a161230a6127c8565b90600281019081545f52600460205261233061232b600160405f2001612800565b612db3565b92606461234460ff602084015116866126f1565b04936001600160801b036001840191166001600160801b03825460401c16036001600160801b0381116107af578154600160401b600160c01b03191660409190911b600160401b600160c01b03161790556123a560ff835460c81c16612871565b825460ff60c81b191660c891821b60ff60c81b16178084556040929092015191901c60ff90811691161115612409575b5050806123de57005b61053890337f0000000000000000000000000000000000000000000000000000000000000000612fe1565b612414915490612de4565b81806123d5565b6338cb392760e21b5f5260045ffd5b6377ef9edf60e11b5f5260045ffd5b633bcb88b360e21b5f5260045ffd5b631e71b0dd60e11b5f5260045ffd5b63ac59a02d60e01b5f5260045ffd5b346101b2575f3660031901126101b257602061085a6001600160401b036001541642612867565b346101b25760203660031901126101b2576124a9600435612639565b60405160058210156106f9576020918152f35b346101b25760203660031901126101b25760206001600160401b03611eff6004356124e681612c81565b50612c9e565b60409060031901126101b2576004359060243590565b602435906001600160a01b03821682036101b257565b600435906001600160a01b03821682036101b257565b60609060031901126101b257600435906024356001600160a01b03811681036101b257906044356001600160a01b03811681036101b25790565b602435906001600160401b03821682036101b257565b35906001600160401b03821682036101b257565b60206040818301928281528451809452019201905f5b8181106125b55750505090565b82518452602093840193909201916001016125a8565b9181601f840112156101b2578235916001600160401b0383116101b2576020808501948460051b0101116101b257565b9060078210156106f95752565b805180835260209291819084018484015e5f828201840152601f01601f1916010190565b919082018092116107af57565b805f52600560205260405f205464ffffffffff8160081c169081156126e25760ff16915f52600460205260405f209060058310156106f9578215806126c3575b6126bb57600183149182612697575b50506126915790565b50600390565b600101546126b2925060801c6001600160401b03169061262c565b42115f80612688565b505050600290565b506126db6001600160401b036007840154168261262c565b4211612679565b636d08029760e01b5f5260045ffd5b818102929181159184041417156107af57565b60e081019081106001600160401b038211176119e957604052565b61012081019081106001600160401b038211176119e957604052565b608081019081106001600160401b038211176119e957604052565b60a081019081106001600160401b038211176119e957604052565b602081019081106001600160401b038211176119e957604052565b604081019081106001600160401b038211176119e957604052565b90601f801991011681019081106001600160401b038211176119e957604052565b604051906127d58261273b565b81606060ff5f548181168452818160081c166020850152818160101c16604085015260181c16910152565b9060405161280d81612704565b60c06003829480546001600160401b03811685526001600160401b038160401c1660208601526001600160401b038160801c166040860152831c606085015260018101546080850152600281015460a08501520154910152565b8115611b58570490565b60ff60019116019060ff82116107af57565b6001600160401b0381116119e95760051b60200190565b6040519061014082018281106001600160401b038211176119e9576040525f610120838281528260208201528260408201528260608201528260808201528260a08201528260c08201528260e0820152826101008201520152565b91908110156129055760051b0190565b634e487b7160e01b5f52603260045260245ffd5b80518210156129055760209160051b010190565b356001600160a01b03811681036101b25790565b356001600160401b03811681036101b25790565b60c080916001600160401b0361296a8261257e565b1684526001600160401b036129816020830161257e565b1660208501526001600160401b0361299b6040830161257e565b1660408501526001600160401b036129b56060830161257e565b1660608501526080810135608085015260a081013560a08501520135910152565b908060209392818452848401375f828201840152601f01601f1916010190565b903590601e19813603018212156101b257018035906001600160401b0382116101b2576020019181360383136101b257565b90600182811c92168015612a56575b6020831014612a4257565b634e487b7160e01b5f52602260045260245ffd5b91607f1691612a37565b919091601f8311612a71575b505050565b818311612a7d57505050565b5f5260205f206020601f830160051c9210612ab6575b81601f9101920160051c03905f5b82811015612a6c575f82820155600101612aa1565b5f9150612a93565b805490680100000000000000008210156119e95760018201808255821015612905575f5260205f200155565b6001600160401b036001911601906001600160401b0382116107af57565b60078210156106f95752565b919082039182116107af57565b63ffffffff60019116019063ffffffff82116107af57565b906040519060208201928352604082015260408152612b596060826127a7565b51902090565b805f52600660205260405f2090612b7581612bf5565b60078110156106f957600103612bef57600154906001600160401b03821690612bb3612ba18342612867565b9264ffffffffff865460a01c16612867565b8214612be75760ff91612bc5916135d5565b9160801c1660ff8216109182612bda57505090565b612be492506138cb565b90565b505050505f90565b50505f90565b5f52600660205260405f206002810154908115612bef575460d01c60ff169060048210156106f95760038214612c7a57612c2e90612639565b60058110156106f95760028114612c735760038114612c6c576004146126915760018114612c6657600214612c61575f90565b600690565b50600190565b5050600290565b5050600590565b5050600490565b5f52600460205260405f209060018060a01b03825416156126e257565b805f52600560205260405f2090805f526004602052612cc060405f2091612639565b60058110156106f95760048114612d345760028114908115612d2b575b50612d08576001600160401b03600164ffffffffff612be4945460081c1692015460801c169061262c565b6001600160401b03600764ffffffffff612be4945460081c16920154169061262c565b9050155f612cdd565b50505460301c64ffffffffff1690565b9091612d4f82612bf5565b60078110156106f957600103612dac5764ffffffffff835460a01c1691612d83600154936001600160401b03851690612867565b821115612be75760ff91612d96916135d5565b9160801c1660ff821610159182612bda57505090565b5050505f90565b612de0612dd56064926001600160401b03602060c083015192015116906126f1565b60ff5f5416906126f1565b0490565b815f526004602052612dfb600160405f2001612800565b825f52600560205260405f209160018101612e2e6001600160801b03825460401c16610f9660ff855460c81c16866138f5565b612e3d6002860191825461262c565b90558054600160401b600160c01b03191681558154600167ff00ff000000000160a01b031981168355612e9690612e769060e01c612b21565b83546001600160e01b031660e09190911b6001600160e01b031916178355565b5f196001600160401b03855460581c16016001600160401b0381116107af57845467ffffffffffffffff60581b191660589190911b67ffffffffffffffff60581b1617845584907f33ba8f7627565d89f7ada2a6b81ea532b7aa9b11e91a78312d6e1fca0bfcd1dc906020906001600160401b03905416604051908152a260ff83541660058110156106f95715612fd157805460ff60d01b1916600160d11b17905581546001600160401b0390819060609067ffffffffffffffff60981b612f63609883901c8516612aea565b60981b16908360981b191617938486550151169160981c1611612f84575050565b80546affffffffff0000000000ff19164260301b6affffffffff000000000000161760041790557f4769361a442504ecaf038f35e119bcccdd5e42096b24c09e3c17fd17c6684c025f80a2565b805460ff60d01b19169055505050565b916040519163a9059cbb60e01b5f5260018060a01b031660045260245260205f60448180865af19060015f5114821615613041575b604052156130215750565b635274afe760e01b5f9081526001600160a01b0391909116600452602490fd5b90600181151661305957823b15153d15161690613016565b503d5f823e3d90fd5b905f915f52600660205260405f2091825460ff8160d01c1660048110156106f9576001036106ea57336001600160a01b0390911603613251576002830154906130aa82612639565b6005811015806106f95781158015613245575b6132355761322157600191600260409214613208575b83815260046020526131066130eb8484842001612800565b64ffffffffff885460a01c1661310087612c9e565b91613925565b938387016001600160801b038154851c1697600360d01b60ff60d01b19825416179055600160401b600160c01b0319815416905581526005602052200161314e82825461262c565b90556001600160a01b03828116908516146131d157806131a0575b505080613174575050565b61319e917f0000000000000000000000000000000000000000000000000000000000000000612fe1565b565b6131ca917f0000000000000000000000000000000000000000000000000000000000000000612fe1565b5f80613169565b61319e9350916131e1919261262c565b907f0000000000000000000000000000000000000000000000000000000000000000612fe1565b838152600560205261321c8282208561366c565b6130d3565b634e487b7160e01b82526021600452602482fd5b50505091905061319e9250612de4565b50505f600182146130bd565b631853ca3d60e21b5f5260045ffd5b5f52600660205260405f2090815460ff8160d01c1660048110156106f9576001036106ea57336001600160a01b03909116036132515760028201546132a481612639565b6005811015806106f9578115801561335f575b611032576106f957600214613345575b805f5260046020526132f66132e1600160405f2001612800565b64ffffffffff855460a01c1661310084612c9e565b90600184016001600160801b03815460401c1694600360d01b60ff60d01b19825416179055600160401b600160c01b031981541690555f526005602052600160405f200161314e82825461262c565b805f52600560205261335a60405f208261366c565b6132c7565b50505f600182146132b7565b9192909261337761289a565b92805f52600660205260405f209061339761339182612bf5565b86612b08565b81549560ff8760d01c1660048110156106f9576001811490811561350f575b5015613509576001600160a01b0387165b60018060a01b0316602087015260ff8760c81c16604087015260ff8760d81c16606087015261340860ff6133fb83856135d5565b1680610100890152613602565b610120870152815f52600760205260405f20815f5260205260ff60405f205416151560c0870152855160078110156106f9575f19016135005764ffffffffff6134bd95969760a01c16906001546001600160401b0381169161349f61346d8486612867565b8211936101008c01958c61348560ff8951168b6138cb565b96806134ec575b806134e5575b6080901515910152612867565b141592836134ce575b5050816134c6575b50151560a0870152613955565b151560e0830152565b90505f6134b0565b5160ff90811660809290921c161191505f806134a8565b5086613492565b5060ff88511660ff8760801c16111561348c565b50505050915090565b5f6133c7565b60039150145f6133b6565b8115611b58570690565b612be49060a061356361354f6001600160401b038451166001600160401b03602086015116906126f1565b6001600160401b03604085015116906126f1565b910151906126f1565b6040516323b872dd60e01b5f9081526001600160a01b039384166004529290931660245260449390935260209060648180865af19060015f51148216156135bd575b6040525f606052156130215750565b90600181151661305957823b15153d151616906135ae565b6135fe90610fe860ff806135f281968260015460881c16906126f1565b1692169184431661262c565b1690565b60ff16600181018082116107af5780431061364757505f194301904382116107af5761362d91612b14565b406040516020810191825260208152612b596040826127a7565b61365391504390612b14565b6040516020810191825260208152612b596040826127a7565b90805460ff8160e01c16612a6c5760ff60e01b1916600160e01b1790557ff903f4774c7bd27355f9d7fcbc382b079b164a697a44ac5d95267a4c3cb3bb225f80a2565b905f915b806001841b106136c05750565b915f1981146107af57600101916136b3565b93929091905f905b8082106136e75750505050565b9091929460416001916136fb8585886128f5565b3590604051918483538985168503613724578483015260218201525b2095811c939201906136da565b90848301526021820152613717565b903590601e19813603018212156101b257018035906001600160401b0382116101b257602001918160051b360383136101b257565b9290916001549061ffff8260901c1694613781826136af565b9261378c85806129f6565b905062ffff008260881c169088820461010014891517156107af57148015906138aa575b61389b576113f86137cd6001600160401b036137d3931642612867565b836135d5565b905f5b8781106137e7575050505050505050565b613819846040516020810190868252856040820152846060820152606081526138116080826127a7565b51902061351a565b61010161382688806129f6565b50610100604051915f83538560081b016001830137209061384a6020890189613733565b91909261385789866126f1565b91600186018087116107af578a61386d916126f1565b938484116101b25784116101b2578b948361388e95039360051b01916136d2565b0361389b576001016137d6565b6309bde33960e01b5f5260045ffd5b506138b86020860186613733565b90506138c485896126f1565b14156137b0565b9060026138f19201545f5260046020526138ec600260405f20015491613602565b61351a565b1590565b9061391f613905612be493612db3565b606461391860ff5f5460081c16836126f1565b0490612b14565b906126f1565b909182811115612dac57613563613941612be49460a093612b14565b6001600160401b03602085015116906126f1565b91906001546001600160401b0381169061396f8242612867565b8410156139f75760018401918285116107af576139976001600160401b03916139a2946126f1565b9160401c169061262c565b421015612dac57825f52600760205260405f20825f5260205260ff60405f20541680156139d7575b612dac57612be492612d44565b50825f52600860205260405f20825f5260205260ff60405f2054166139ca565b50505050505f9056",
}

// Marketplace is an auto generated Go binding around an Ethereum contract.
type Marketplace struct {
	abi abi.ABI
}

// GetABI returns the ABI associated with this contract binding.
func (c *Marketplace) GetABI() abi.ABI {
	return c.abi
}

// NewMarketplace creates a new instance of Marketplace.
func NewMarketplace() *Marketplace {
	parsed, err := MarketplaceMetaData.ParseABI()
	if err != nil {
		panic(errors.New("invalid ABI: " + err.Error()))
	}
	return &Marketplace{abi: *parsed}
}

// Instance creates a wrapper for a deployed contract instance at the given address.
// Use this to create the instance object passed to abigen v2 library functions Call, Transact, etc.
func (c *Marketplace) Instance(backend bind.ContractBackend, addr common.Address) *bind.BoundContract {
	return bind.NewBoundContract(addr, c.abi, backend, backend, backend)
}

// PackConstructor is the Go binding used to pack the parameters required for
// contract deployment.
//
// Solidity: constructor(address token_, ((uint8,uint8,uint8,uint8),(uint64,uint64,uint8,uint8,uint16),(uint8),uint64) config_) returns()
func (marketplace *Marketplace) PackConstructor(token_ common.Address, config_ MarketplaceConfig) []byte {
	enc, err := marketplace.abi.Pack("", token_, config_)
	if err != nil {
		panic(err)
	}
	return enc
}

// PackConfig is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x79502c55.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function config() view returns(((uint8,uint8,uint8,uint8),(uint64,uint64,uint8,uint8,uint16),(uint8),uint64))
func (marketplace *Marketplace) PackConfig() []byte {
	enc, err := marketplace.abi.Pack("config")
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackConfig is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x79502c55.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function config() view returns(((uint8,uint8,uint8,uint8),(uint64,uint64,uint8,uint8,uint16),(uint8),uint64))
func (marketplace *Marketplace) TryPackConfig() ([]byte, error) {
	return marketplace.abi.Pack("config")
}

// UnpackConfig is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x79502c55.
//
// Solidity: function config() view returns(((uint8,uint8,uint8,uint8),(uint64,uint64,uint8,uint8,uint16),(uint8),uint64))
func (marketplace *Marketplace) UnpackConfig(data []byte) (MarketplaceConfig, error) {
	out, err := marketplace.abi.Unpack("config", data)
	if err != nil {
		return *new(MarketplaceConfig), err
	}
	out0 := *abi.ConvertType(out[0], new(MarketplaceConfig)).(*MarketplaceConfig)
	return out0, nil
}

// PackCurrentPeriod is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x06040618.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function currentPeriod() view returns(uint256)
func (marketplace *Marketplace) PackCurrentPeriod() []byte {
	enc, err := marketplace.abi.Pack("currentPeriod")
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackCurrentPeriod is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x06040618.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function currentPeriod() view returns(uint256)
func (marketplace *Marketplace) TryPackCurrentPeriod() ([]byte, error) {
	return marketplace.abi.Pack("currentPeriod")
}

// UnpackCurrentPeriod is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x06040618.
//
// Solidity: function currentPeriod() view returns(uint256)
func (marketplace *Marketplace) UnpackCurrentPeriod(data []byte) (*big.Int, error) {
	out, err := marketplace.abi.Unpack("currentPeriod", data)
	if err != nil {
		return new(big.Int), err
	}
	out0 := abi.ConvertType(out[0], new(big.Int)).(*big.Int)
	return out0, nil
}

// PackFillSlot is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x6ffd9b05.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function fillSlot(bytes32 requestId, uint64 slotIndex, bytes32 slotRoot, bytes32[] slotRootPath, (bytes,bytes32[]) proof) returns()
func (marketplace *Marketplace) PackFillSlot(requestId [32]byte, slotIndex uint64, slotRoot [32]byte, slotRootPath [][32]byte, proof Proof) []byte {
	enc, err := marketplace.abi.Pack("fillSlot", requestId, slotIndex, slotRoot, slotRootPath, proof)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackFillSlot is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x6ffd9b05.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function fillSlot(bytes32 requestId, uint64 slotIndex, bytes32 slotRoot, bytes32[] slotRootPath, (bytes,bytes32[]) proof) returns()
func (marketplace *Marketplace) TryPackFillSlot(requestId [32]byte, slotIndex uint64, slotRoot [32]byte, slotRootPath [][32]byte, proof Proof) ([]byte, error) {
	return marketplace.abi.Pack("fillSlot", requestId, slotIndex, slotRoot, slotRootPath, proof)
}

// PackFreeSlot is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x0aefaabe.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function freeSlot(bytes32 id, address rewardRecipient, address collateralRecipient) returns()
func (marketplace *Marketplace) PackFreeSlot(id [32]byte, rewardRecipient common.Address, collateralRecipient common.Address) []byte {
	enc, err := marketplace.abi.Pack("freeSlot", id, rewardRecipient, collateralRecipient)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackFreeSlot is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x0aefaabe.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function freeSlot(bytes32 id, address rewardRecipient, address collateralRecipient) returns()
func (marketplace *Marketplace) TryPackFreeSlot(id [32]byte, rewardRecipient common.Address, collateralRecipient common.Address) ([]byte, error) {
	return marketplace.abi.Pack("freeSlot", id, rewardRecipient, collateralRecipient)
}

// PackFreeSlot0 is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xa29c29a4.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function freeSlot(bytes32 id) returns()
func (marketplace *Marketplace) PackFreeSlot0(id [32]byte) []byte {
	enc, err := marketplace.abi.Pack("freeSlot0", id)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackFreeSlot0 is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xa29c29a4.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function freeSlot(bytes32 id) returns()
func (marketplace *Marketplace) TryPackFreeSlot0(id [32]byte) ([]byte, error) {
	return marketplace.abi.Pack("freeSlot0", id)
}

// PackGetChallenge is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x458d2bf1.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function getChallenge(bytes32 id) view returns(bytes32)
func (marketplace *Marketplace) PackGetChallenge(id [32]byte) []byte {
	enc, err := marketplace.abi.Pack("getChallenge", id)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackGetChallenge is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x458d2bf1.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function getChallenge(bytes32 id) view returns(bytes32)
func (marketplace *Marketplace) TryPackGetChallenge(id [32]byte) ([]byte, error) {
	return marketplace.abi.Pack("getChallenge", id)
}

// UnpackGetChallenge is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x458d2bf1.
//
// Solidity: function getChallenge(bytes32 id) view returns(bytes32)
func (marketplace *Marketplace) UnpackGetChallenge(data []byte) ([32]byte, error) {
	out, err := marketplace.abi.Unpack("getChallenge", data)
	if err != nil {
		return *new([32]byte), err
	}
	out0 := *abi.ConvertType(out[0], new([32]byte)).(*[32]byte)
	return out0, nil
}

// PackGetHost is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x6b00c8cf.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function getHost(bytes32 id) view returns(address)
func (marketplace *Marketplace) PackGetHost(id [32]byte) []byte {
	enc, err := marketplace.abi.Pack("getHost", id)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackGetHost is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x6b00c8cf.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function getHost(bytes32 id) view returns(address)
func (marketplace *Marketplace) TryPackGetHost(id [32]byte) ([]byte, error) {
	return marketplace.abi.Pack("getHost", id)
}

// UnpackGetHost is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x6b00c8cf.
//
// Solidity: function getHost(bytes32 id) view returns(address)
func (marketplace *Marketplace) UnpackGetHost(data []byte) (common.Address, error) {
	out, err := marketplace.abi.Unpack("getHost", data)
	if err != nil {
		return *new(common.Address), err
	}
	out0 := *abi.ConvertType(out[0], new(common.Address)).(*common.Address)
	return out0, nil
}

// PackGetRequest is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xfb1e61ca.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function getRequest(bytes32 requestId) view returns((address,(uint64,uint64,uint64,uint64,uint256,uint256,uint256),(bytes,bytes32),uint64,bytes32))
func (marketplace *Marketplace) PackGetRequest(requestId [32]byte) []byte {
	enc, err := marketplace.abi.Pack("getRequest", requestId)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackGetRequest is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xfb1e61ca.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function getRequest(bytes32 requestId) view returns((address,(uint64,uint64,uint64,uint64,uint256,uint256,uint256),(bytes,bytes32),uint64,bytes32))
func (marketplace *Marketplace) TryPackGetRequest(requestId [32]byte) ([]byte, error) {
	return marketplace.abi.Pack("getRequest", requestId)
}

// UnpackGetRequest is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0xfb1e61ca.
//
// Solidity: function getRequest(bytes32 requestId) view returns((address,(uint64,uint64,uint64,uint64,uint256,uint256,uint256),(bytes,bytes32),uint64,bytes32))
func (marketplace *Marketplace) UnpackGetRequest(data []byte) (Request, error) {
	out, err := marketplace.abi.Unpack("getRequest", data)
	if err != nil {
		return *new(Request), err
	}
	out0 := *abi.ConvertType(out[0], new(Request)).(*Request)
	return out0, nil
}

// PackGetSlot is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x6317e00b.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function getSlot(bytes32 id) view returns((bytes32,uint64,address,uint64,bytes32,uint256,uint256,uint8,uint256) info)
func (marketplace *Marketplace) PackGetSlot(id [32]byte) []byte {
	enc, err := marketplace.abi.Pack("getSlot", id)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackGetSlot is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x6317e00b.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function getSlot(bytes32 id) view returns((bytes32,uint64,address,uint64,bytes32,uint256,uint256,uint8,uint256) info)
func (marketplace *Marketplace) TryPackGetSlot(id [32]byte) ([]byte, error) {
	return marketplace.abi.Pack("getSlot", id)
}

// UnpackGetSlot is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x6317e00b.
//
// Solidity: function getSlot(bytes32 id) view returns((bytes32,uint64,address,uint64,bytes32,uint256,uint256,uint8,uint256) info)
func (marketplace *Marketplace) UnpackGetSlot(data []byte) (MarketplaceSlotInfo, error) {
	out, err := marketplace.abi.Unpack("getSlot", data)
	if err != nil {
		return *new(MarketplaceSlotInfo), err
	}
	out0 := *abi.ConvertType(out[0], new(MarketplaceSlotInfo)).(*MarketplaceSlotInfo)
	return out0, nil
}

// PackHostUrl is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xf2db32cf.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function hostUrl(address host) view returns(string)
func (marketplace *Marketplace) PackHostUrl(host common.Address) []byte {
	enc, err := marketplace.abi.Pack("hostUrl", host)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackHostUrl is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xf2db32cf.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function hostUrl(address host) view returns(string)
func (marketplace *Marketplace) TryPackHostUrl(host common.Address) ([]byte, error) {
	return marketplace.abi.Pack("hostUrl", host)
}

// UnpackHostUrl is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0xf2db32cf.
//
// Solidity: function hostUrl(address host) view returns(string)
func (marketplace *Marketplace) UnpackHostUrl(data []byte) (string, error) {
	out, err := marketplace.abi.Unpack("hostUrl", data)
	if err != nil {
		return *new(string), err
	}
	out0 := *abi.ConvertType(out[0], new(string)).(*string)
	return out0, nil
}

// PackIsProofRequired is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xc0cc4add.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function isProofRequired(bytes32 id) view returns(bool)
func (marketplace *Marketplace) PackIsProofRequired(id [32]byte) []byte {
	enc, err := marketplace.abi.Pack("isProofRequired", id)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackIsProofRequired is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xc0cc4add.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function isProofRequired(bytes32 id) view returns(bool)
func (marketplace *Marketplace) TryPackIsProofRequired(id [32]byte) ([]byte, error) {
	return marketplace.abi.Pack("isProofRequired", id)
}

// UnpackIsProofRequired is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0xc0cc4add.
//
// Solidity: function isProofRequired(bytes32 id) view returns(bool)
func (marketplace *Marketplace) UnpackIsProofRequired(data []byte) (bool, error) {
	out, err := marketplace.abi.Unpack("isProofRequired", data)
	if err != nil {
		return *new(bool), err
	}
	out0 := *abi.ConvertType(out[0], new(bool)).(*bool)
	return out0, nil
}

// PackIsReserved is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xa27f4635.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function isReserved(bytes32 id, address host) view returns(bool)
func (marketplace *Marketplace) PackIsReserved(id [32]byte, host common.Address) []byte {
	enc, err := marketplace.abi.Pack("isReserved", id, host)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackIsReserved is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xa27f4635.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function isReserved(bytes32 id, address host) view returns(bool)
func (marketplace *Marketplace) TryPackIsReserved(id [32]byte, host common.Address) ([]byte, error) {
	return marketplace.abi.Pack("isReserved", id, host)
}

// UnpackIsReserved is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0xa27f4635.
//
// Solidity: function isReserved(bytes32 id, address host) view returns(bool)
func (marketplace *Marketplace) UnpackIsReserved(data []byte) (bool, error) {
	out, err := marketplace.abi.Unpack("isReserved", data)
	if err != nil {
		return *new(bool), err
	}
	out0 := *abi.ConvertType(out[0], new(bool)).(*bool)
	return out0, nil
}

// PackMarkProofAsMissing is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x08695fcd.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function markProofAsMissing(bytes32 id, uint256 period) returns()
func (marketplace *Marketplace) PackMarkProofAsMissing(id [32]byte, period *big.Int) []byte {
	enc, err := marketplace.abi.Pack("markProofAsMissing", id, period)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackMarkProofAsMissing is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x08695fcd.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function markProofAsMissing(bytes32 id, uint256 period) returns()
func (marketplace *Marketplace) TryPackMarkProofAsMissing(id [32]byte, period *big.Int) ([]byte, error) {
	return marketplace.abi.Pack("markProofAsMissing", id, period)
}

// PackMissingProofs is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xf752196b.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function missingProofs(bytes32 id) view returns(uint256)
func (marketplace *Marketplace) PackMissingProofs(id [32]byte) []byte {
	enc, err := marketplace.abi.Pack("missingProofs", id)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackMissingProofs is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xf752196b.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function missingProofs(bytes32 id) view returns(uint256)
func (marketplace *Marketplace) TryPackMissingProofs(id [32]byte) ([]byte, error) {
	return marketplace.abi.Pack("missingProofs", id)
}

// UnpackMissingProofs is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0xf752196b.
//
// Solidity: function missingProofs(bytes32 id) view returns(uint256)
func (marketplace *Marketplace) UnpackMissingProofs(data []byte) (*big.Int, error) {
	out, err := marketplace.abi.Unpack("missingProofs", data)
	if err != nil {
		return new(big.Int), err
	}
	out0 := abi.ConvertType(out[0], new(big.Int)).(*big.Int)
	return out0, nil
}

// PackPayoutSlot is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xcfd712ee.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function payoutSlot(bytes32 id, address rewardRecipient, address collateralRecipient) returns()
func (marketplace *Marketplace) PackPayoutSlot(id [32]byte, rewardRecipient common.Address, collateralRecipient common.Address) []byte {
	enc, err := marketplace.abi.Pack("payoutSlot", id, rewardRecipient, collateralRecipient)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackPayoutSlot is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xcfd712ee.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function payoutSlot(bytes32 id, address rewardRecipient, address collateralRecipient) returns()
func (marketplace *Marketplace) TryPackPayoutSlot(id [32]byte, rewardRecipient common.Address, collateralRecipient common.Address) ([]byte, error) {
	return marketplace.abi.Pack("payoutSlot", id, rewardRecipient, collateralRecipient)
}

// PackRequestEnd is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x02fa8e65.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function requestEnd(bytes32 requestId) view returns(uint64)
func (marketplace *Marketplace) PackRequestEnd(requestId [32]byte) []byte {
	enc, err := marketplace.abi.Pack("requestEnd", requestId)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackRequestEnd is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x02fa8e65.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function requestEnd(bytes32 requestId) view returns(uint64)
func (marketplace *Marketplace) TryPackRequestEnd(requestId [32]byte) ([]byte, error) {
	return marketplace.abi.Pack("requestEnd", requestId)
}

// UnpackRequestEnd is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x02fa8e65.
//
// Solidity: function requestEnd(bytes32 requestId) view returns(uint64)
func (marketplace *Marketplace) UnpackRequestEnd(data []byte) (uint64, error) {
	out, err := marketplace.abi.Unpack("requestEnd", data)
	if err != nil {
		return *new(uint64), err
	}
	out0 := *abi.ConvertType(out[0], new(uint64)).(*uint64)
	return out0, nil
}

// PackRequestExpiry is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x329b5a0b.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function requestExpiry(bytes32 requestId) view returns(uint64)
func (marketplace *Marketplace) PackRequestExpiry(requestId [32]byte) []byte {
	enc, err := marketplace.abi.Pack("requestExpiry", requestId)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackRequestExpiry is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x329b5a0b.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function requestExpiry(bytes32 requestId) view returns(uint64)
func (marketplace *Marketplace) TryPackRequestExpiry(requestId [32]byte) ([]byte, error) {
	return marketplace.abi.Pack("requestExpiry", requestId)
}

// UnpackRequestExpiry is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x329b5a0b.
//
// Solidity: function requestExpiry(bytes32 requestId) view returns(uint64)
func (marketplace *Marketplace) UnpackRequestExpiry(data []byte) (uint64, error) {
	out, err := marketplace.abi.Unpack("requestExpiry", data)
	if err != nil {
		return *new(uint64), err
	}
	out0 := *abi.ConvertType(out[0], new(uint64)).(*uint64)
	return out0, nil
}

// PackRequestState is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x05b90773.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function requestState(bytes32 requestId) view returns(uint8)
func (marketplace *Marketplace) PackRequestState(requestId [32]byte) []byte {
	enc, err := marketplace.abi.Pack("requestState", requestId)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackRequestState is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x05b90773.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function requestState(bytes32 requestId) view returns(uint8)
func (marketplace *Marketplace) TryPackRequestState(requestId [32]byte) ([]byte, error) {
	return marketplace.abi.Pack("requestState", requestId)
}

// UnpackRequestState is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x05b90773.
//
// Solidity: function requestState(bytes32 requestId) view returns(uint8)
func (marketplace *Marketplace) UnpackRequestState(data []byte) (uint8, error) {
	out, err := marketplace.abi.Unpack("requestState", data)
	if err != nil {
		return *new(uint8), err
	}
	out0 := *abi.ConvertType(out[0], new(uint8)).(*uint8)
	return out0, nil
}

// PackRequestStorage is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x3da0cd39.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function requestStorage((address,(uint64,uint64,uint64,uint64,uint256,uint256,uint256),(bytes,bytes32),uint64,bytes32) request) returns()
func (marketplace *Marketplace) PackRequestStorage(request Request) []byte {
	enc, err := marketplace.abi.Pack("requestStorage", request)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackRequestStorage is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x3da0cd39.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function requestStorage((address,(uint64,uint64,uint64,uint64,uint256,uint256,uint256),(bytes,bytes32),uint64,bytes32) request) returns()
func (marketplace *Marketplace) TryPackRequestStorage(request Request) ([]byte, error) {
	return marketplace.abi.Pack("requestStorage", request)
}

// PackRequestsOf is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x2a220039.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function requestsOf(address client) view returns(bytes32[])
func (marketplace *Marketplace) PackRequestsOf(client common.Address) []byte {
	enc, err := marketplace.abi.Pack("requestsOf", client)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackRequestsOf is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x2a220039.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function requestsOf(address client) view returns(bytes32[])
func (marketplace *Marketplace) TryPackRequestsOf(client common.Address) ([]byte, error) {
	return marketplace.abi.Pack("requestsOf", client)
}

// UnpackRequestsOf is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x2a220039.
//
// Solidity: function requestsOf(address client) view returns(bytes32[])
func (marketplace *Marketplace) UnpackRequestsOf(data []byte) ([][32]byte, error) {
	out, err := marketplace.abi.Unpack("requestsOf", data)
	if err != nil {
		return *new([][32]byte), err
	}
	out0 := *abi.ConvertType(out[0], new([][32]byte)).(*[][32]byte)
	return out0, nil
}

// PackReservationRank is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x0ae013ad.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function reservationRank(bytes32 id, address host) view returns(uint8)
func (marketplace *Marketplace) PackReservationRank(id [32]byte, host common.Address) []byte {
	enc, err := marketplace.abi.Pack("reservationRank", id, host)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackReservationRank is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x0ae013ad.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function reservationRank(bytes32 id, address host) view returns(uint8)
func (marketplace *Marketplace) TryPackReservationRank(id [32]byte, host common.Address) ([]byte, error) {
	return marketplace.abi.Pack("reservationRank", id, host)
}

// UnpackReservationRank is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x0ae013ad.
//
// Solidity: function reservationRank(bytes32 id, address host) view returns(uint8)
func (marketplace *Marketplace) UnpackReservationRank(data []byte) (uint8, error) {
	out, err := marketplace.abi.Unpack("reservationRank", data)
	if err != nil {
		return *new(uint8), err
	}
	out0 := *abi.ConvertType(out[0], new(uint8)).(*uint8)
	return out0, nil
}

// PackReserveSlot is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x12827602.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function reserveSlot(bytes32 requestId, uint64 slotIndex) returns()
func (marketplace *Marketplace) PackReserveSlot(requestId [32]byte, slotIndex uint64) []byte {
	enc, err := marketplace.abi.Pack("reserveSlot", requestId, slotIndex)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackReserveSlot is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x12827602.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function reserveSlot(bytes32 requestId, uint64 slotIndex) returns()
func (marketplace *Marketplace) TryPackReserveSlot(requestId [32]byte, slotIndex uint64) ([]byte, error) {
	return marketplace.abi.Pack("reserveSlot", requestId, slotIndex)
}

// PackSetHostUrl is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x5a39bba8.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function setHostUrl(string url) returns()
func (marketplace *Marketplace) PackSetHostUrl(url string) []byte {
	enc, err := marketplace.abi.Pack("setHostUrl", url)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackSetHostUrl is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x5a39bba8.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function setHostUrl(string url) returns()
func (marketplace *Marketplace) TryPackSetHostUrl(url string) ([]byte, error) {
	return marketplace.abi.Pack("setHostUrl", url)
}

// PackSlotId is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x7969ec0e.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function slotId(bytes32 requestId, uint256 slotIndex) pure returns(bytes32)
func (marketplace *Marketplace) PackSlotId(requestId [32]byte, slotIndex *big.Int) []byte {
	enc, err := marketplace.abi.Pack("slotId", requestId, slotIndex)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackSlotId is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x7969ec0e.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function slotId(bytes32 requestId, uint256 slotIndex) pure returns(bytes32)
func (marketplace *Marketplace) TryPackSlotId(requestId [32]byte, slotIndex *big.Int) ([]byte, error) {
	return marketplace.abi.Pack("slotId", requestId, slotIndex)
}

// UnpackSlotId is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x7969ec0e.
//
// Solidity: function slotId(bytes32 requestId, uint256 slotIndex) pure returns(bytes32)
func (marketplace *Marketplace) UnpackSlotId(data []byte) ([32]byte, error) {
	out, err := marketplace.abi.Unpack("slotId", data)
	if err != nil {
		return *new([32]byte), err
	}
	out0 := *abi.ConvertType(out[0], new([32]byte)).(*[32]byte)
	return out0, nil
}

// PackSlotState is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xbe5cdc48.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function slotState(bytes32 id) view returns(uint8)
func (marketplace *Marketplace) PackSlotState(id [32]byte) []byte {
	enc, err := marketplace.abi.Pack("slotState", id)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackSlotState is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xbe5cdc48.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function slotState(bytes32 id) view returns(uint8)
func (marketplace *Marketplace) TryPackSlotState(id [32]byte) ([]byte, error) {
	return marketplace.abi.Pack("slotState", id)
}

// UnpackSlotState is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0xbe5cdc48.
//
// Solidity: function slotState(bytes32 id) view returns(uint8)
func (marketplace *Marketplace) UnpackSlotState(data []byte) (uint8, error) {
	out, err := marketplace.abi.Unpack("slotState", data)
	if err != nil {
		return *new(uint8), err
	}
	out0 := *abi.ConvertType(out[0], new(uint8)).(*uint8)
	return out0, nil
}

// PackSlotStatuses is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x3bf30dc8.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function slotStatuses(bytes32[] ids, uint256 markPeriod) view returns((uint8,address,uint64,uint8,bool,bool,bool,bool,uint8,bytes32)[] out)
func (marketplace *Marketplace) PackSlotStatuses(ids [][32]byte, markPeriod *big.Int) []byte {
	enc, err := marketplace.abi.Pack("slotStatuses", ids, markPeriod)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackSlotStatuses is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x3bf30dc8.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function slotStatuses(bytes32[] ids, uint256 markPeriod) view returns((uint8,address,uint64,uint8,bool,bool,bool,bool,uint8,bytes32)[] out)
func (marketplace *Marketplace) TryPackSlotStatuses(ids [][32]byte, markPeriod *big.Int) ([]byte, error) {
	return marketplace.abi.Pack("slotStatuses", ids, markPeriod)
}

// UnpackSlotStatuses is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x3bf30dc8.
//
// Solidity: function slotStatuses(bytes32[] ids, uint256 markPeriod) view returns((uint8,address,uint64,uint8,bool,bool,bool,bool,uint8,bytes32)[] out)
func (marketplace *Marketplace) UnpackSlotStatuses(data []byte) ([]MarketplaceSlotStatus, error) {
	out, err := marketplace.abi.Unpack("slotStatuses", data)
	if err != nil {
		return *new([]MarketplaceSlotStatus), err
	}
	out0 := *abi.ConvertType(out[0], new([]MarketplaceSlotStatus)).(*[]MarketplaceSlotStatus)
	return out0, nil
}

// PackSlotsOf is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x8ac48a59.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function slotsOf(address host) view returns(bytes32[])
func (marketplace *Marketplace) PackSlotsOf(host common.Address) []byte {
	enc, err := marketplace.abi.Pack("slotsOf", host)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackSlotsOf is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x8ac48a59.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function slotsOf(address host) view returns(bytes32[])
func (marketplace *Marketplace) TryPackSlotsOf(host common.Address) ([]byte, error) {
	return marketplace.abi.Pack("slotsOf", host)
}

// UnpackSlotsOf is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0x8ac48a59.
//
// Solidity: function slotsOf(address host) view returns(bytes32[])
func (marketplace *Marketplace) UnpackSlotsOf(data []byte) ([][32]byte, error) {
	out, err := marketplace.abi.Unpack("slotsOf", data)
	if err != nil {
		return *new([][32]byte), err
	}
	out0 := *abi.ConvertType(out[0], new([][32]byte)).(*[][32]byte)
	return out0, nil
}

// PackSubmitProof is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xb8b6c4a6.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function submitProof(bytes32 id, (bytes,bytes32[]) proof) returns()
func (marketplace *Marketplace) PackSubmitProof(id [32]byte, proof Proof) []byte {
	enc, err := marketplace.abi.Pack("submitProof", id, proof)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackSubmitProof is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xb8b6c4a6.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function submitProof(bytes32 id, (bytes,bytes32[]) proof) returns()
func (marketplace *Marketplace) TryPackSubmitProof(id [32]byte, proof Proof) ([]byte, error) {
	return marketplace.abi.Pack("submitProof", id, proof)
}

// PackToken is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xfc0c546a.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function token() view returns(address)
func (marketplace *Marketplace) PackToken() []byte {
	enc, err := marketplace.abi.Pack("token")
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackToken is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xfc0c546a.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function token() view returns(address)
func (marketplace *Marketplace) TryPackToken() ([]byte, error) {
	return marketplace.abi.Pack("token")
}

// UnpackToken is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0xfc0c546a.
//
// Solidity: function token() view returns(address)
func (marketplace *Marketplace) UnpackToken(data []byte) (common.Address, error) {
	out, err := marketplace.abi.Unpack("token", data)
	if err != nil {
		return *new(common.Address), err
	}
	out0 := *abi.ConvertType(out[0], new(common.Address)).(*common.Address)
	return out0, nil
}

// PackWillProofBeRequired is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xa3a0807e.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function willProofBeRequired(bytes32 id) view returns(bool)
func (marketplace *Marketplace) PackWillProofBeRequired(id [32]byte) []byte {
	enc, err := marketplace.abi.Pack("willProofBeRequired", id)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackWillProofBeRequired is the Go binding used to pack the parameters required for calling
// the contract method with ID 0xa3a0807e.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function willProofBeRequired(bytes32 id) view returns(bool)
func (marketplace *Marketplace) TryPackWillProofBeRequired(id [32]byte) ([]byte, error) {
	return marketplace.abi.Pack("willProofBeRequired", id)
}

// UnpackWillProofBeRequired is the Go binding that unpacks the parameters returned
// from invoking the contract method with ID 0xa3a0807e.
//
// Solidity: function willProofBeRequired(bytes32 id) view returns(bool)
func (marketplace *Marketplace) UnpackWillProofBeRequired(data []byte) (bool, error) {
	out, err := marketplace.abi.Unpack("willProofBeRequired", data)
	if err != nil {
		return *new(bool), err
	}
	out0 := *abi.ConvertType(out[0], new(bool)).(*bool)
	return out0, nil
}

// PackWithdrawFunds is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x6e2b54ee.  This method will panic if any
// invalid/nil inputs are passed.
//
// Solidity: function withdrawFunds(bytes32 requestId) returns()
func (marketplace *Marketplace) PackWithdrawFunds(requestId [32]byte) []byte {
	enc, err := marketplace.abi.Pack("withdrawFunds", requestId)
	if err != nil {
		panic(err)
	}
	return enc
}

// TryPackWithdrawFunds is the Go binding used to pack the parameters required for calling
// the contract method with ID 0x6e2b54ee.  This method will return an error
// if any inputs are invalid/nil.
//
// Solidity: function withdrawFunds(bytes32 requestId) returns()
func (marketplace *Marketplace) TryPackWithdrawFunds(requestId [32]byte) ([]byte, error) {
	return marketplace.abi.Pack("withdrawFunds", requestId)
}

// MarketplaceHostUrlSet represents a HostUrlSet event raised by the Marketplace contract.
type MarketplaceHostUrlSet struct {
	Host common.Address
	Url  string
	Raw  *types.Log // Blockchain specific contextual infos
}

const MarketplaceHostUrlSetEventName = "HostUrlSet"

// ContractEventName returns the user-defined event name.
func (MarketplaceHostUrlSet) ContractEventName() string {
	return MarketplaceHostUrlSetEventName
}

// UnpackHostUrlSetEvent is the Go binding that unpacks the event data emitted
// by contract.
//
// Solidity: event HostUrlSet(address indexed host, string url)
func (marketplace *Marketplace) UnpackHostUrlSetEvent(log *types.Log) (*MarketplaceHostUrlSet, error) {
	event := "HostUrlSet"
	if len(log.Topics) == 0 {
		return nil, bind.ErrNoEventSignature
	}
	if log.Topics[0] != marketplace.abi.Events[event].ID {
		return nil, bind.ErrEventSignatureMismatch
	}
	out := new(MarketplaceHostUrlSet)
	if len(log.Data) > 0 {
		if err := marketplace.abi.UnpackIntoInterface(out, event, log.Data); err != nil {
			return nil, err
		}
	}
	var indexed abi.Arguments
	for _, arg := range marketplace.abi.Events[event].Inputs {
		if arg.Indexed {
			indexed = append(indexed, arg)
		}
	}
	if err := abi.ParseTopics(out, indexed, log.Topics[1:]); err != nil {
		return nil, err
	}
	out.Raw = log
	return out, nil
}

// MarketplaceProofMarkedMissing represents a ProofMarkedMissing event raised by the Marketplace contract.
type MarketplaceProofMarkedMissing struct {
	SlotId [32]byte
	Period *big.Int
	Raw    *types.Log // Blockchain specific contextual infos
}

const MarketplaceProofMarkedMissingEventName = "ProofMarkedMissing"

// ContractEventName returns the user-defined event name.
func (MarketplaceProofMarkedMissing) ContractEventName() string {
	return MarketplaceProofMarkedMissingEventName
}

// UnpackProofMarkedMissingEvent is the Go binding that unpacks the event data emitted
// by contract.
//
// Solidity: event ProofMarkedMissing(bytes32 slotId, uint256 period)
func (marketplace *Marketplace) UnpackProofMarkedMissingEvent(log *types.Log) (*MarketplaceProofMarkedMissing, error) {
	event := "ProofMarkedMissing"
	if len(log.Topics) == 0 {
		return nil, bind.ErrNoEventSignature
	}
	if log.Topics[0] != marketplace.abi.Events[event].ID {
		return nil, bind.ErrEventSignatureMismatch
	}
	out := new(MarketplaceProofMarkedMissing)
	if len(log.Data) > 0 {
		if err := marketplace.abi.UnpackIntoInterface(out, event, log.Data); err != nil {
			return nil, err
		}
	}
	var indexed abi.Arguments
	for _, arg := range marketplace.abi.Events[event].Inputs {
		if arg.Indexed {
			indexed = append(indexed, arg)
		}
	}
	if err := abi.ParseTopics(out, indexed, log.Topics[1:]); err != nil {
		return nil, err
	}
	out.Raw = log
	return out, nil
}

// MarketplaceProofSubmitted represents a ProofSubmitted event raised by the Marketplace contract.
type MarketplaceProofSubmitted struct {
	SlotId [32]byte
	Raw    *types.Log // Blockchain specific contextual infos
}

const MarketplaceProofSubmittedEventName = "ProofSubmitted"

// ContractEventName returns the user-defined event name.
func (MarketplaceProofSubmitted) ContractEventName() string {
	return MarketplaceProofSubmittedEventName
}

// UnpackProofSubmittedEvent is the Go binding that unpacks the event data emitted
// by contract.
//
// Solidity: event ProofSubmitted(bytes32 slotId)
func (marketplace *Marketplace) UnpackProofSubmittedEvent(log *types.Log) (*MarketplaceProofSubmitted, error) {
	event := "ProofSubmitted"
	if len(log.Topics) == 0 {
		return nil, bind.ErrNoEventSignature
	}
	if log.Topics[0] != marketplace.abi.Events[event].ID {
		return nil, bind.ErrEventSignatureMismatch
	}
	out := new(MarketplaceProofSubmitted)
	if len(log.Data) > 0 {
		if err := marketplace.abi.UnpackIntoInterface(out, event, log.Data); err != nil {
			return nil, err
		}
	}
	var indexed abi.Arguments
	for _, arg := range marketplace.abi.Events[event].Inputs {
		if arg.Indexed {
			indexed = append(indexed, arg)
		}
	}
	if err := abi.ParseTopics(out, indexed, log.Topics[1:]); err != nil {
		return nil, err
	}
	out.Raw = log
	return out, nil
}

// MarketplaceRequestCancelled represents a RequestCancelled event raised by the Marketplace contract.
type MarketplaceRequestCancelled struct {
	RequestId [32]byte
	Raw       *types.Log // Blockchain specific contextual infos
}

const MarketplaceRequestCancelledEventName = "RequestCancelled"

// ContractEventName returns the user-defined event name.
func (MarketplaceRequestCancelled) ContractEventName() string {
	return MarketplaceRequestCancelledEventName
}

// UnpackRequestCancelledEvent is the Go binding that unpacks the event data emitted
// by contract.
//
// Solidity: event RequestCancelled(bytes32 indexed requestId)
func (marketplace *Marketplace) UnpackRequestCancelledEvent(log *types.Log) (*MarketplaceRequestCancelled, error) {
	event := "RequestCancelled"
	if len(log.Topics) == 0 {
		return nil, bind.ErrNoEventSignature
	}
	if log.Topics[0] != marketplace.abi.Events[event].ID {
		return nil, bind.ErrEventSignatureMismatch
	}
	out := new(MarketplaceRequestCancelled)
	if len(log.Data) > 0 {
		if err := marketplace.abi.UnpackIntoInterface(out, event, log.Data); err != nil {
			return nil, err
		}
	}
	var indexed abi.Arguments
	for _, arg := range marketplace.abi.Events[event].Inputs {
		if arg.Indexed {
			indexed = append(indexed, arg)
		}
	}
	if err := abi.ParseTopics(out, indexed, log.Topics[1:]); err != nil {
		return nil, err
	}
	out.Raw = log
	return out, nil
}

// MarketplaceRequestFailed represents a RequestFailed event raised by the Marketplace contract.
type MarketplaceRequestFailed struct {
	RequestId [32]byte
	Raw       *types.Log // Blockchain specific contextual infos
}

const MarketplaceRequestFailedEventName = "RequestFailed"

// ContractEventName returns the user-defined event name.
func (MarketplaceRequestFailed) ContractEventName() string {
	return MarketplaceRequestFailedEventName
}

// UnpackRequestFailedEvent is the Go binding that unpacks the event data emitted
// by contract.
//
// Solidity: event RequestFailed(bytes32 indexed requestId)
func (marketplace *Marketplace) UnpackRequestFailedEvent(log *types.Log) (*MarketplaceRequestFailed, error) {
	event := "RequestFailed"
	if len(log.Topics) == 0 {
		return nil, bind.ErrNoEventSignature
	}
	if log.Topics[0] != marketplace.abi.Events[event].ID {
		return nil, bind.ErrEventSignatureMismatch
	}
	out := new(MarketplaceRequestFailed)
	if len(log.Data) > 0 {
		if err := marketplace.abi.UnpackIntoInterface(out, event, log.Data); err != nil {
			return nil, err
		}
	}
	var indexed abi.Arguments
	for _, arg := range marketplace.abi.Events[event].Inputs {
		if arg.Indexed {
			indexed = append(indexed, arg)
		}
	}
	if err := abi.ParseTopics(out, indexed, log.Topics[1:]); err != nil {
		return nil, err
	}
	out.Raw = log
	return out, nil
}

// MarketplaceRequestFulfilled represents a RequestFulfilled event raised by the Marketplace contract.
type MarketplaceRequestFulfilled struct {
	RequestId [32]byte
	Raw       *types.Log // Blockchain specific contextual infos
}

const MarketplaceRequestFulfilledEventName = "RequestFulfilled"

// ContractEventName returns the user-defined event name.
func (MarketplaceRequestFulfilled) ContractEventName() string {
	return MarketplaceRequestFulfilledEventName
}

// UnpackRequestFulfilledEvent is the Go binding that unpacks the event data emitted
// by contract.
//
// Solidity: event RequestFulfilled(bytes32 indexed requestId)
func (marketplace *Marketplace) UnpackRequestFulfilledEvent(log *types.Log) (*MarketplaceRequestFulfilled, error) {
	event := "RequestFulfilled"
	if len(log.Topics) == 0 {
		return nil, bind.ErrNoEventSignature
	}
	if log.Topics[0] != marketplace.abi.Events[event].ID {
		return nil, bind.ErrEventSignatureMismatch
	}
	out := new(MarketplaceRequestFulfilled)
	if len(log.Data) > 0 {
		if err := marketplace.abi.UnpackIntoInterface(out, event, log.Data); err != nil {
			return nil, err
		}
	}
	var indexed abi.Arguments
	for _, arg := range marketplace.abi.Events[event].Inputs {
		if arg.Indexed {
			indexed = append(indexed, arg)
		}
	}
	if err := abi.ParseTopics(out, indexed, log.Topics[1:]); err != nil {
		return nil, err
	}
	out.Raw = log
	return out, nil
}

// MarketplaceSlotFilled represents a SlotFilled event raised by the Marketplace contract.
type MarketplaceSlotFilled struct {
	RequestId [32]byte
	SlotIndex uint64
	Raw       *types.Log // Blockchain specific contextual infos
}

const MarketplaceSlotFilledEventName = "SlotFilled"

// ContractEventName returns the user-defined event name.
func (MarketplaceSlotFilled) ContractEventName() string {
	return MarketplaceSlotFilledEventName
}

// UnpackSlotFilledEvent is the Go binding that unpacks the event data emitted
// by contract.
//
// Solidity: event SlotFilled(bytes32 indexed requestId, uint64 slotIndex)
func (marketplace *Marketplace) UnpackSlotFilledEvent(log *types.Log) (*MarketplaceSlotFilled, error) {
	event := "SlotFilled"
	if len(log.Topics) == 0 {
		return nil, bind.ErrNoEventSignature
	}
	if log.Topics[0] != marketplace.abi.Events[event].ID {
		return nil, bind.ErrEventSignatureMismatch
	}
	out := new(MarketplaceSlotFilled)
	if len(log.Data) > 0 {
		if err := marketplace.abi.UnpackIntoInterface(out, event, log.Data); err != nil {
			return nil, err
		}
	}
	var indexed abi.Arguments
	for _, arg := range marketplace.abi.Events[event].Inputs {
		if arg.Indexed {
			indexed = append(indexed, arg)
		}
	}
	if err := abi.ParseTopics(out, indexed, log.Topics[1:]); err != nil {
		return nil, err
	}
	out.Raw = log
	return out, nil
}

// MarketplaceSlotFreed represents a SlotFreed event raised by the Marketplace contract.
type MarketplaceSlotFreed struct {
	RequestId [32]byte
	SlotIndex uint64
	Raw       *types.Log // Blockchain specific contextual infos
}

const MarketplaceSlotFreedEventName = "SlotFreed"

// ContractEventName returns the user-defined event name.
func (MarketplaceSlotFreed) ContractEventName() string {
	return MarketplaceSlotFreedEventName
}

// UnpackSlotFreedEvent is the Go binding that unpacks the event data emitted
// by contract.
//
// Solidity: event SlotFreed(bytes32 indexed requestId, uint64 slotIndex)
func (marketplace *Marketplace) UnpackSlotFreedEvent(log *types.Log) (*MarketplaceSlotFreed, error) {
	event := "SlotFreed"
	if len(log.Topics) == 0 {
		return nil, bind.ErrNoEventSignature
	}
	if log.Topics[0] != marketplace.abi.Events[event].ID {
		return nil, bind.ErrEventSignatureMismatch
	}
	out := new(MarketplaceSlotFreed)
	if len(log.Data) > 0 {
		if err := marketplace.abi.UnpackIntoInterface(out, event, log.Data); err != nil {
			return nil, err
		}
	}
	var indexed abi.Arguments
	for _, arg := range marketplace.abi.Events[event].Inputs {
		if arg.Indexed {
			indexed = append(indexed, arg)
		}
	}
	if err := abi.ParseTopics(out, indexed, log.Topics[1:]); err != nil {
		return nil, err
	}
	out.Raw = log
	return out, nil
}

// MarketplaceSlotReservationsFull represents a SlotReservationsFull event raised by the Marketplace contract.
type MarketplaceSlotReservationsFull struct {
	RequestId [32]byte
	SlotIndex uint64
	Raw       *types.Log // Blockchain specific contextual infos
}

const MarketplaceSlotReservationsFullEventName = "SlotReservationsFull"

// ContractEventName returns the user-defined event name.
func (MarketplaceSlotReservationsFull) ContractEventName() string {
	return MarketplaceSlotReservationsFullEventName
}

// UnpackSlotReservationsFullEvent is the Go binding that unpacks the event data emitted
// by contract.
//
// Solidity: event SlotReservationsFull(bytes32 indexed requestId, uint64 slotIndex)
func (marketplace *Marketplace) UnpackSlotReservationsFullEvent(log *types.Log) (*MarketplaceSlotReservationsFull, error) {
	event := "SlotReservationsFull"
	if len(log.Topics) == 0 {
		return nil, bind.ErrNoEventSignature
	}
	if log.Topics[0] != marketplace.abi.Events[event].ID {
		return nil, bind.ErrEventSignatureMismatch
	}
	out := new(MarketplaceSlotReservationsFull)
	if len(log.Data) > 0 {
		if err := marketplace.abi.UnpackIntoInterface(out, event, log.Data); err != nil {
			return nil, err
		}
	}
	var indexed abi.Arguments
	for _, arg := range marketplace.abi.Events[event].Inputs {
		if arg.Indexed {
			indexed = append(indexed, arg)
		}
	}
	if err := abi.ParseTopics(out, indexed, log.Topics[1:]); err != nil {
		return nil, err
	}
	out.Raw = log
	return out, nil
}

// MarketplaceStorageRequested represents a StorageRequested event raised by the Marketplace contract.
type MarketplaceStorageRequested struct {
	RequestId [32]byte
	Ask       Ask
	Expiry    uint64
	Raw       *types.Log // Blockchain specific contextual infos
}

const MarketplaceStorageRequestedEventName = "StorageRequested"

// ContractEventName returns the user-defined event name.
func (MarketplaceStorageRequested) ContractEventName() string {
	return MarketplaceStorageRequestedEventName
}

// UnpackStorageRequestedEvent is the Go binding that unpacks the event data emitted
// by contract.
//
// Solidity: event StorageRequested(bytes32 requestId, (uint64,uint64,uint64,uint64,uint256,uint256,uint256) ask, uint64 expiry)
func (marketplace *Marketplace) UnpackStorageRequestedEvent(log *types.Log) (*MarketplaceStorageRequested, error) {
	event := "StorageRequested"
	if len(log.Topics) == 0 {
		return nil, bind.ErrNoEventSignature
	}
	if log.Topics[0] != marketplace.abi.Events[event].ID {
		return nil, bind.ErrEventSignatureMismatch
	}
	out := new(MarketplaceStorageRequested)
	if len(log.Data) > 0 {
		if err := marketplace.abi.UnpackIntoInterface(out, event, log.Data); err != nil {
			return nil, err
		}
	}
	var indexed abi.Arguments
	for _, arg := range marketplace.abi.Events[event].Inputs {
		if arg.Indexed {
			indexed = append(indexed, arg)
		}
	}
	if err := abi.ParseTopics(out, indexed, log.Topics[1:]); err != nil {
		return nil, err
	}
	out.Raw = log
	return out, nil
}

// UnpackError attempts to decode the provided error data using user-defined
// error definitions.
func (marketplace *Marketplace) UnpackError(raw []byte) (any, error) {
	if bytes.Equal(raw[:4], marketplace.abi.Errors["AlreadyReserved"].ID.Bytes()[:4]) {
		return marketplace.UnpackAlreadyReservedError(raw[4:])
	}
	if bytes.Equal(raw[:4], marketplace.abi.Errors["AlreadyWithdrawn"].ID.Bytes()[:4]) {
		return marketplace.UnpackAlreadyWithdrawnError(raw[4:])
	}
	if bytes.Equal(raw[:4], marketplace.abi.Errors["InvalidAsk"].ID.Bytes()[:4]) {
		return marketplace.UnpackInvalidAskError(raw[4:])
	}
	if bytes.Equal(raw[:4], marketplace.abi.Errors["InvalidClient"].ID.Bytes()[:4]) {
		return marketplace.UnpackInvalidClientError(raw[4:])
	}
	if bytes.Equal(raw[:4], marketplace.abi.Errors["InvalidConfig"].ID.Bytes()[:4]) {
		return marketplace.UnpackInvalidConfigError(raw[4:])
	}
	if bytes.Equal(raw[:4], marketplace.abi.Errors["InvalidExpiry"].ID.Bytes()[:4]) {
		return marketplace.UnpackInvalidExpiryError(raw[4:])
	}
	if bytes.Equal(raw[:4], marketplace.abi.Errors["InvalidProof"].ID.Bytes()[:4]) {
		return marketplace.UnpackInvalidProofError(raw[4:])
	}
	if bytes.Equal(raw[:4], marketplace.abi.Errors["InvalidRecipient"].ID.Bytes()[:4]) {
		return marketplace.UnpackInvalidRecipientError(raw[4:])
	}
	if bytes.Equal(raw[:4], marketplace.abi.Errors["InvalidSlotIndex"].ID.Bytes()[:4]) {
		return marketplace.UnpackInvalidSlotIndexError(raw[4:])
	}
	if bytes.Equal(raw[:4], marketplace.abi.Errors["InvalidSlotRoot"].ID.Bytes()[:4]) {
		return marketplace.UnpackInvalidSlotRootError(raw[4:])
	}
	if bytes.Equal(raw[:4], marketplace.abi.Errors["InvalidUrl"].ID.Bytes()[:4]) {
		return marketplace.UnpackInvalidUrlError(raw[4:])
	}
	if bytes.Equal(raw[:4], marketplace.abi.Errors["NotClient"].ID.Bytes()[:4]) {
		return marketplace.UnpackNotClientError(raw[4:])
	}
	if bytes.Equal(raw[:4], marketplace.abi.Errors["NotReserved"].ID.Bytes()[:4]) {
		return marketplace.UnpackNotReservedError(raw[4:])
	}
	if bytes.Equal(raw[:4], marketplace.abi.Errors["NotSlotHost"].ID.Bytes()[:4]) {
		return marketplace.UnpackNotSlotHostError(raw[4:])
	}
	if bytes.Equal(raw[:4], marketplace.abi.Errors["PeriodNotEnded"].ID.Bytes()[:4]) {
		return marketplace.UnpackPeriodNotEndedError(raw[4:])
	}
	if bytes.Equal(raw[:4], marketplace.abi.Errors["ProofAlreadyMarked"].ID.Bytes()[:4]) {
		return marketplace.UnpackProofAlreadyMarkedError(raw[4:])
	}
	if bytes.Equal(raw[:4], marketplace.abi.Errors["ProofAlreadySubmitted"].ID.Bytes()[:4]) {
		return marketplace.UnpackProofAlreadySubmittedError(raw[4:])
	}
	if bytes.Equal(raw[:4], marketplace.abi.Errors["ProofNotRequired"].ID.Bytes()[:4]) {
		return marketplace.UnpackProofNotRequiredError(raw[4:])
	}
	if bytes.Equal(raw[:4], marketplace.abi.Errors["ProofWasSubmitted"].ID.Bytes()[:4]) {
		return marketplace.UnpackProofWasSubmittedError(raw[4:])
	}
	if bytes.Equal(raw[:4], marketplace.abi.Errors["RequestAlreadyExists"].ID.Bytes()[:4]) {
		return marketplace.UnpackRequestAlreadyExistsError(raw[4:])
	}
	if bytes.Equal(raw[:4], marketplace.abi.Errors["RequestNotActive"].ID.Bytes()[:4]) {
		return marketplace.UnpackRequestNotActiveError(raw[4:])
	}
	if bytes.Equal(raw[:4], marketplace.abi.Errors["RequestNotEnded"].ID.Bytes()[:4]) {
		return marketplace.UnpackRequestNotEndedError(raw[4:])
	}
	if bytes.Equal(raw[:4], marketplace.abi.Errors["ReservationsFull"].ID.Bytes()[:4]) {
		return marketplace.UnpackReservationsFullError(raw[4:])
	}
	if bytes.Equal(raw[:4], marketplace.abi.Errors["SafeERC20FailedOperation"].ID.Bytes()[:4]) {
		return marketplace.UnpackSafeERC20FailedOperationError(raw[4:])
	}
	if bytes.Equal(raw[:4], marketplace.abi.Errors["SlotNotFilled"].ID.Bytes()[:4]) {
		return marketplace.UnpackSlotNotFilledError(raw[4:])
	}
	if bytes.Equal(raw[:4], marketplace.abi.Errors["SlotNotFree"].ID.Bytes()[:4]) {
		return marketplace.UnpackSlotNotFreeError(raw[4:])
	}
	if bytes.Equal(raw[:4], marketplace.abi.Errors["UnknownRequest"].ID.Bytes()[:4]) {
		return marketplace.UnpackUnknownRequestError(raw[4:])
	}
	if bytes.Equal(raw[:4], marketplace.abi.Errors["ValidationTimedOut"].ID.Bytes()[:4]) {
		return marketplace.UnpackValidationTimedOutError(raw[4:])
	}
	return nil, errors.New("Unknown error")
}

// MarketplaceAlreadyReserved represents a AlreadyReserved error raised by the Marketplace contract.
type MarketplaceAlreadyReserved struct {
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error AlreadyReserved()
func MarketplaceAlreadyReservedErrorID() common.Hash {
	return common.HexToHash("0x87b34a061a894506f59d527b096dd330c3f9c382cda1ced5dd34a4792bcb584f")
}

// UnpackAlreadyReservedError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error AlreadyReserved()
func (marketplace *Marketplace) UnpackAlreadyReservedError(raw []byte) (*MarketplaceAlreadyReserved, error) {
	out := new(MarketplaceAlreadyReserved)
	if err := marketplace.abi.UnpackIntoInterface(out, "AlreadyReserved", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// MarketplaceAlreadyWithdrawn represents a AlreadyWithdrawn error raised by the Marketplace contract.
type MarketplaceAlreadyWithdrawn struct {
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error AlreadyWithdrawn()
func MarketplaceAlreadyWithdrawnErrorID() common.Hash {
	return common.HexToHash("0x6507689f7ae12ce5bbbf542b55f2c321284743146919a93f37aed7f5866329ec")
}

// UnpackAlreadyWithdrawnError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error AlreadyWithdrawn()
func (marketplace *Marketplace) UnpackAlreadyWithdrawnError(raw []byte) (*MarketplaceAlreadyWithdrawn, error) {
	out := new(MarketplaceAlreadyWithdrawn)
	if err := marketplace.abi.UnpackIntoInterface(out, "AlreadyWithdrawn", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// MarketplaceInvalidAsk represents a InvalidAsk error raised by the Marketplace contract.
type MarketplaceInvalidAsk struct {
	Reason string
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error InvalidAsk(string reason)
func MarketplaceInvalidAskErrorID() common.Hash {
	return common.HexToHash("0x7edb57d6496c938281af9a8d6280377f18af42d1a3523d6c578b4d74161f91eb")
}

// UnpackInvalidAskError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error InvalidAsk(string reason)
func (marketplace *Marketplace) UnpackInvalidAskError(raw []byte) (*MarketplaceInvalidAsk, error) {
	out := new(MarketplaceInvalidAsk)
	if err := marketplace.abi.UnpackIntoInterface(out, "InvalidAsk", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// MarketplaceInvalidClient represents a InvalidClient error raised by the Marketplace contract.
type MarketplaceInvalidClient struct {
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error InvalidClient()
func MarketplaceInvalidClientErrorID() common.Hash {
	return common.HexToHash("0xda94512847d990468426d3ecd2959718095e38dfc2ff23113e001c611175383f")
}

// UnpackInvalidClientError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error InvalidClient()
func (marketplace *Marketplace) UnpackInvalidClientError(raw []byte) (*MarketplaceInvalidClient, error) {
	out := new(MarketplaceInvalidClient)
	if err := marketplace.abi.UnpackIntoInterface(out, "InvalidClient", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// MarketplaceInvalidConfig represents a InvalidConfig error raised by the Marketplace contract.
type MarketplaceInvalidConfig struct {
	Reason string
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error InvalidConfig(string reason)
func MarketplaceInvalidConfigErrorID() common.Hash {
	return common.HexToHash("0x89a61989863f97edef3cf9672465dbf8e5f073c532d59146a86917af6f971ea7")
}

// UnpackInvalidConfigError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error InvalidConfig(string reason)
func (marketplace *Marketplace) UnpackInvalidConfigError(raw []byte) (*MarketplaceInvalidConfig, error) {
	out := new(MarketplaceInvalidConfig)
	if err := marketplace.abi.UnpackIntoInterface(out, "InvalidConfig", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// MarketplaceInvalidExpiry represents a InvalidExpiry error raised by the Marketplace contract.
type MarketplaceInvalidExpiry struct {
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error InvalidExpiry()
func MarketplaceInvalidExpiryErrorID() common.Hash {
	return common.HexToHash("0xd36c850009d3005b6d788288dc5553e01636c515b9bc5f49778f99e4795009bc")
}

// UnpackInvalidExpiryError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error InvalidExpiry()
func (marketplace *Marketplace) UnpackInvalidExpiryError(raw []byte) (*MarketplaceInvalidExpiry, error) {
	out := new(MarketplaceInvalidExpiry)
	if err := marketplace.abi.UnpackIntoInterface(out, "InvalidExpiry", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// MarketplaceInvalidProof represents a InvalidProof error raised by the Marketplace contract.
type MarketplaceInvalidProof struct {
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error InvalidProof()
func MarketplaceInvalidProofErrorID() common.Hash {
	return common.HexToHash("0x09bde339c6b182be216ee7ef8ccff6338c6ef7993445216112ae575c5438fd27")
}

// UnpackInvalidProofError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error InvalidProof()
func (marketplace *Marketplace) UnpackInvalidProofError(raw []byte) (*MarketplaceInvalidProof, error) {
	out := new(MarketplaceInvalidProof)
	if err := marketplace.abi.UnpackIntoInterface(out, "InvalidProof", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// MarketplaceInvalidRecipient represents a InvalidRecipient error raised by the Marketplace contract.
type MarketplaceInvalidRecipient struct {
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error InvalidRecipient()
func MarketplaceInvalidRecipientErrorID() common.Hash {
	return common.HexToHash("0x9c8d2cd23712ccfbf44b8107cfe79ea09343bf5b458f10860098ac1dbdf69f86")
}

// UnpackInvalidRecipientError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error InvalidRecipient()
func (marketplace *Marketplace) UnpackInvalidRecipientError(raw []byte) (*MarketplaceInvalidRecipient, error) {
	out := new(MarketplaceInvalidRecipient)
	if err := marketplace.abi.UnpackIntoInterface(out, "InvalidRecipient", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// MarketplaceInvalidSlotIndex represents a InvalidSlotIndex error raised by the Marketplace contract.
type MarketplaceInvalidSlotIndex struct {
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error InvalidSlotIndex()
func MarketplaceInvalidSlotIndexErrorID() common.Hash {
	return common.HexToHash("0x3628a81be3765f5510678eadd095c33ae8748794f505a1d82d5d7c6ac29096cb")
}

// UnpackInvalidSlotIndexError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error InvalidSlotIndex()
func (marketplace *Marketplace) UnpackInvalidSlotIndexError(raw []byte) (*MarketplaceInvalidSlotIndex, error) {
	out := new(MarketplaceInvalidSlotIndex)
	if err := marketplace.abi.UnpackIntoInterface(out, "InvalidSlotIndex", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// MarketplaceInvalidSlotRoot represents a InvalidSlotRoot error raised by the Marketplace contract.
type MarketplaceInvalidSlotRoot struct {
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error InvalidSlotRoot()
func MarketplaceInvalidSlotRootErrorID() common.Hash {
	return common.HexToHash("0x67a4788492422eab157a5e6f895ad9895aaebabc6d78cf175a0f04204362224d")
}

// UnpackInvalidSlotRootError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error InvalidSlotRoot()
func (marketplace *Marketplace) UnpackInvalidSlotRootError(raw []byte) (*MarketplaceInvalidSlotRoot, error) {
	out := new(MarketplaceInvalidSlotRoot)
	if err := marketplace.abi.UnpackIntoInterface(out, "InvalidSlotRoot", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// MarketplaceInvalidUrl represents a InvalidUrl error raised by the Marketplace contract.
type MarketplaceInvalidUrl struct {
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error InvalidUrl()
func MarketplaceInvalidUrlErrorID() common.Hash {
	return common.HexToHash("0xe7bc872f355f40107fd25870b13981db57bc67caa988d2e8e204eb6db09b5477")
}

// UnpackInvalidUrlError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error InvalidUrl()
func (marketplace *Marketplace) UnpackInvalidUrlError(raw []byte) (*MarketplaceInvalidUrl, error) {
	out := new(MarketplaceInvalidUrl)
	if err := marketplace.abi.UnpackIntoInterface(out, "InvalidUrl", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// MarketplaceNotClient represents a NotClient error raised by the Marketplace contract.
type MarketplaceNotClient struct {
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error NotClient()
func MarketplaceNotClientErrorID() common.Hash {
	return common.HexToHash("0x20dbc8744d453df555874a9fb4bfc2e2a9c4bad22c5742928ec789edbc038b43")
}

// UnpackNotClientError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error NotClient()
func (marketplace *Marketplace) UnpackNotClientError(raw []byte) (*MarketplaceNotClient, error) {
	out := new(MarketplaceNotClient)
	if err := marketplace.abi.UnpackIntoInterface(out, "NotClient", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// MarketplaceNotReserved represents a NotReserved error raised by the Marketplace contract.
type MarketplaceNotReserved struct {
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error NotReserved()
func MarketplaceNotReservedErrorID() common.Hash {
	return common.HexToHash("0x81fdcd7e33cdee33a5d4e250da9f1f4dee7df746c2be694a577f074374faffcc")
}

// UnpackNotReservedError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error NotReserved()
func (marketplace *Marketplace) UnpackNotReservedError(raw []byte) (*MarketplaceNotReserved, error) {
	out := new(MarketplaceNotReserved)
	if err := marketplace.abi.UnpackIntoInterface(out, "NotReserved", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// MarketplaceNotSlotHost represents a NotSlotHost error raised by the Marketplace contract.
type MarketplaceNotSlotHost struct {
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error NotSlotHost()
func MarketplaceNotSlotHostErrorID() common.Hash {
	return common.HexToHash("0x614f28f41a7aba19165bfa1b86b72cf876d1bddce0a470961258c5e5069070bb")
}

// UnpackNotSlotHostError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error NotSlotHost()
func (marketplace *Marketplace) UnpackNotSlotHostError(raw []byte) (*MarketplaceNotSlotHost, error) {
	out := new(MarketplaceNotSlotHost)
	if err := marketplace.abi.UnpackIntoInterface(out, "NotSlotHost", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// MarketplacePeriodNotEnded represents a PeriodNotEnded error raised by the Marketplace contract.
type MarketplacePeriodNotEnded struct {
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error PeriodNotEnded()
func MarketplacePeriodNotEndedErrorID() common.Hash {
	return common.HexToHash("0xac59a02debbafa4a05b7f245771e643a6bf33ed6dba508598ecb1c3d272b5507")
}

// UnpackPeriodNotEndedError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error PeriodNotEnded()
func (marketplace *Marketplace) UnpackPeriodNotEndedError(raw []byte) (*MarketplacePeriodNotEnded, error) {
	out := new(MarketplacePeriodNotEnded)
	if err := marketplace.abi.UnpackIntoInterface(out, "PeriodNotEnded", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// MarketplaceProofAlreadyMarked represents a ProofAlreadyMarked error raised by the Marketplace contract.
type MarketplaceProofAlreadyMarked struct {
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error ProofAlreadyMarked()
func MarketplaceProofAlreadyMarkedErrorID() common.Hash {
	return common.HexToHash("0xefdf3dbe56b379260f2bc9ed430e327513f0d4e9a3682f65fc3799d661b0c54d")
}

// UnpackProofAlreadyMarkedError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error ProofAlreadyMarked()
func (marketplace *Marketplace) UnpackProofAlreadyMarkedError(raw []byte) (*MarketplaceProofAlreadyMarked, error) {
	out := new(MarketplaceProofAlreadyMarked)
	if err := marketplace.abi.UnpackIntoInterface(out, "ProofAlreadyMarked", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// MarketplaceProofAlreadySubmitted represents a ProofAlreadySubmitted error raised by the Marketplace contract.
type MarketplaceProofAlreadySubmitted struct {
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error ProofAlreadySubmitted()
func MarketplaceProofAlreadySubmittedErrorID() common.Hash {
	return common.HexToHash("0x3e77430df31e6c6b27ef7f889104266ffdfba27f4609957731d535f858d90685")
}

// UnpackProofAlreadySubmittedError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error ProofAlreadySubmitted()
func (marketplace *Marketplace) UnpackProofAlreadySubmittedError(raw []byte) (*MarketplaceProofAlreadySubmitted, error) {
	out := new(MarketplaceProofAlreadySubmitted)
	if err := marketplace.abi.UnpackIntoInterface(out, "ProofAlreadySubmitted", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// MarketplaceProofNotRequired represents a ProofNotRequired error raised by the Marketplace contract.
type MarketplaceProofNotRequired struct {
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error ProofNotRequired()
func MarketplaceProofNotRequiredErrorID() common.Hash {
	return common.HexToHash("0xe32ce49c1e0b548f8d56b2db69d107ddae1f6e2d4325352df6b95a3887257959")
}

// UnpackProofNotRequiredError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error ProofNotRequired()
func (marketplace *Marketplace) UnpackProofNotRequiredError(raw []byte) (*MarketplaceProofNotRequired, error) {
	out := new(MarketplaceProofNotRequired)
	if err := marketplace.abi.UnpackIntoInterface(out, "ProofNotRequired", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// MarketplaceProofWasSubmitted represents a ProofWasSubmitted error raised by the Marketplace contract.
type MarketplaceProofWasSubmitted struct {
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error ProofWasSubmitted()
func MarketplaceProofWasSubmittedErrorID() common.Hash {
	return common.HexToHash("0xef2e22cc22e5f451b132e0323111f0a3bd62a38ef6f22468f9279dd0787a840d")
}

// UnpackProofWasSubmittedError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error ProofWasSubmitted()
func (marketplace *Marketplace) UnpackProofWasSubmittedError(raw []byte) (*MarketplaceProofWasSubmitted, error) {
	out := new(MarketplaceProofWasSubmitted)
	if err := marketplace.abi.UnpackIntoInterface(out, "ProofWasSubmitted", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// MarketplaceRequestAlreadyExists represents a RequestAlreadyExists error raised by the Marketplace contract.
type MarketplaceRequestAlreadyExists struct {
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error RequestAlreadyExists()
func MarketplaceRequestAlreadyExistsErrorID() common.Hash {
	return common.HexToHash("0x2f6af0ee03f6d0b201ca4399fa52d6285f61c5698307464092aa29e0aa5219c9")
}

// UnpackRequestAlreadyExistsError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error RequestAlreadyExists()
func (marketplace *Marketplace) UnpackRequestAlreadyExistsError(raw []byte) (*MarketplaceRequestAlreadyExists, error) {
	out := new(MarketplaceRequestAlreadyExists)
	if err := marketplace.abi.UnpackIntoInterface(out, "RequestAlreadyExists", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// MarketplaceRequestNotActive represents a RequestNotActive error raised by the Marketplace contract.
type MarketplaceRequestNotActive struct {
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error RequestNotActive()
func MarketplaceRequestNotActiveErrorID() common.Hash {
	return common.HexToHash("0xaef308b59e496faf1b8823240fd5c5a2160e32df5b6d303e2278e85569172950")
}

// UnpackRequestNotActiveError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error RequestNotActive()
func (marketplace *Marketplace) UnpackRequestNotActiveError(raw []byte) (*MarketplaceRequestNotActive, error) {
	out := new(MarketplaceRequestNotActive)
	if err := marketplace.abi.UnpackIntoInterface(out, "RequestNotActive", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// MarketplaceRequestNotEnded represents a RequestNotEnded error raised by the Marketplace contract.
type MarketplaceRequestNotEnded struct {
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error RequestNotEnded()
func MarketplaceRequestNotEndedErrorID() common.Hash {
	return common.HexToHash("0x4d86b9aef3fec11b0137e672c3336465a9a2731b5512cf768e83897f21b6980c")
}

// UnpackRequestNotEndedError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error RequestNotEnded()
func (marketplace *Marketplace) UnpackRequestNotEndedError(raw []byte) (*MarketplaceRequestNotEnded, error) {
	out := new(MarketplaceRequestNotEnded)
	if err := marketplace.abi.UnpackIntoInterface(out, "RequestNotEnded", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// MarketplaceReservationsFull represents a ReservationsFull error raised by the Marketplace contract.
type MarketplaceReservationsFull struct {
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error ReservationsFull()
func MarketplaceReservationsFullErrorID() common.Hash {
	return common.HexToHash("0x672dca152f38b871f716b5aa980c3d568433fd898096bb9ec67a3e630ffdcf1f")
}

// UnpackReservationsFullError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error ReservationsFull()
func (marketplace *Marketplace) UnpackReservationsFullError(raw []byte) (*MarketplaceReservationsFull, error) {
	out := new(MarketplaceReservationsFull)
	if err := marketplace.abi.UnpackIntoInterface(out, "ReservationsFull", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// MarketplaceSafeERC20FailedOperation represents a SafeERC20FailedOperation error raised by the Marketplace contract.
type MarketplaceSafeERC20FailedOperation struct {
	Token common.Address
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error SafeERC20FailedOperation(address token)
func MarketplaceSafeERC20FailedOperationErrorID() common.Hash {
	return common.HexToHash("0x5274afe73c98b4749fc91ffae6b7b574e7842cb2144a159e9377a5f20b32edf9")
}

// UnpackSafeERC20FailedOperationError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error SafeERC20FailedOperation(address token)
func (marketplace *Marketplace) UnpackSafeERC20FailedOperationError(raw []byte) (*MarketplaceSafeERC20FailedOperation, error) {
	out := new(MarketplaceSafeERC20FailedOperation)
	if err := marketplace.abi.UnpackIntoInterface(out, "SafeERC20FailedOperation", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// MarketplaceSlotNotFilled represents a SlotNotFilled error raised by the Marketplace contract.
type MarketplaceSlotNotFilled struct {
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error SlotNotFilled()
func MarketplaceSlotNotFilledErrorID() common.Hash {
	return common.HexToHash("0xdf90c07d56a0aff2aea0e90ab0b62957e33e66f0fe0fa0076c5bde949d313ec7")
}

// UnpackSlotNotFilledError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error SlotNotFilled()
func (marketplace *Marketplace) UnpackSlotNotFilledError(raw []byte) (*MarketplaceSlotNotFilled, error) {
	out := new(MarketplaceSlotNotFilled)
	if err := marketplace.abi.UnpackIntoInterface(out, "SlotNotFilled", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// MarketplaceSlotNotFree represents a SlotNotFree error raised by the Marketplace contract.
type MarketplaceSlotNotFree struct {
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error SlotNotFree()
func MarketplaceSlotNotFreeErrorID() common.Hash {
	return common.HexToHash("0x1eda5706c57ab5721bf7a3ac10e2fb928692cfca655ac80a5a5e31cdae87df5a")
}

// UnpackSlotNotFreeError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error SlotNotFree()
func (marketplace *Marketplace) UnpackSlotNotFreeError(raw []byte) (*MarketplaceSlotNotFree, error) {
	out := new(MarketplaceSlotNotFree)
	if err := marketplace.abi.UnpackIntoInterface(out, "SlotNotFree", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// MarketplaceUnknownRequest represents a UnknownRequest error raised by the Marketplace contract.
type MarketplaceUnknownRequest struct {
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error UnknownRequest()
func MarketplaceUnknownRequestErrorID() common.Hash {
	return common.HexToHash("0x6d080297e5445bdc9bc11ef22a5fe0978cf1613ad09e7178b40b758b5ff568ad")
}

// UnpackUnknownRequestError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error UnknownRequest()
func (marketplace *Marketplace) UnpackUnknownRequestError(raw []byte) (*MarketplaceUnknownRequest, error) {
	out := new(MarketplaceUnknownRequest)
	if err := marketplace.abi.UnpackIntoInterface(out, "UnknownRequest", raw); err != nil {
		return nil, err
	}
	return out, nil
}

// MarketplaceValidationTimedOut represents a ValidationTimedOut error raised by the Marketplace contract.
type MarketplaceValidationTimedOut struct {
}

// ErrorID returns the hash of canonical representation of the error's signature.
//
// Solidity: error ValidationTimedOut()
func MarketplaceValidationTimedOutErrorID() common.Hash {
	return common.HexToHash("0x3ce361babd85102a62cab6c833cd6ccc8b0b3792c01b8f78a17ba9d25b2b9f68")
}

// UnpackValidationTimedOutError is the Go binding used to decode the provided
// error data into the corresponding Go error struct.
//
// Solidity: error ValidationTimedOut()
func (marketplace *Marketplace) UnpackValidationTimedOutError(raw []byte) (*MarketplaceValidationTimedOut, error) {
	out := new(MarketplaceValidationTimedOut)
	if err := marketplace.abi.UnpackIntoInterface(out, "ValidationTimedOut", raw); err != nil {
		return nil, err
	}
	return out, nil
}
