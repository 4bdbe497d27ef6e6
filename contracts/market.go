package contracts

import (
	"context"
	"fmt"
	"math/big"
	"strconv"
	"sync"

	bind "github.com/ethereum/go-ethereum/accounts/abi/bind/v2"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/slotd/slotd/contracts/bindings"
)

// Market is everything the node asks of the Marketplace: client, host and
// validator transactions, the views that tell it what to do, and events.
// EthMarket is the real one; tests of higher layers may fake it.
type Market interface {
	Address() common.Address // the Marketplace contract
	Account() common.Address // the node's signing account
	Config(ctx context.Context) (Config, error)
	Token(ctx context.Context) (common.Address, error)
	TokenBalance(ctx context.Context, who common.Address) (*big.Int, error)

	// Client.
	RequestStorage(ctx context.Context, r Request) (RequestID, *types.Receipt, error)
	WithdrawFunds(ctx context.Context, id RequestID) (*types.Receipt, error)

	// Host.
	// ReserveSlot sends one reservation per attempt: a caller that runs
	// again after a crash passes the same attempt and sends nothing new.
	ReserveSlot(ctx context.Context, id RequestID, index, attempt uint64) (*types.Receipt, error)
	FillSlot(ctx context.Context, id RequestID, index uint64, slotRoot common.Hash, rootPath []common.Hash, p Proof) (*types.Receipt, error)
	// ApproveFill does FillSlot's approval of the collateral ahead of it,
	// so the fill itself goes out in the block it is timed for.
	ApproveFill(ctx context.Context, id RequestID, index uint64) error
	SubmitProof(ctx context.Context, slot SlotID, p Proof) (*types.Receipt, error)
	// FreeSlot leaves the slot: paid after the request's end, forfeited
	// before it. PayoutSlot only collects, and reverts with
	// ErrRequestNotEnded while the request runs.
	FreeSlot(ctx context.Context, slot SlotID) (*types.Receipt, error)
	PayoutSlot(ctx context.Context, slot SlotID) (*types.Receipt, error)

	SetHostURL(ctx context.Context, url string) (*types.Receipt, error)

	// Validator.
	MarkProofAsMissing(ctx context.Context, slot SlotID, period uint64) (*types.Receipt, error)

	// Views, at the latest block.
	GetRequest(ctx context.Context, id RequestID) (Request, error)
	RequestState(ctx context.Context, id RequestID) (RequestState, error)
	RequestEnd(ctx context.Context, id RequestID) (uint64, error)
	RequestExpiry(ctx context.Context, id RequestID) (uint64, error)
	SlotState(ctx context.Context, slot SlotID) (SlotState, error)
	GetSlot(ctx context.Context, slot SlotID) (SlotInfo, error)
	GetHost(ctx context.Context, slot SlotID) (common.Address, error)
	MissingProofs(ctx context.Context, slot SlotID) (uint64, error)
	IsProofRequired(ctx context.Context, slot SlotID) (bool, error)
	GetChallenge(ctx context.Context, slot SlotID) (common.Hash, error)
	CurrentPeriod(ctx context.Context) (uint64, error)
	IsReserved(ctx context.Context, slot SlotID, host common.Address) (bool, error)
	// ReservationRank is host's place among the slot's reservers (1 is the
	// first), 0 when it holds none.
	ReservationRank(ctx context.Context, slot SlotID, host common.Address) (uint8, error)
	// SlotStatuses is one eth_call for many slots; markPeriod is the period
	// whose markability each entry reports.
	SlotStatuses(ctx context.Context, slots []SlotID, markPeriod uint64) ([]SlotStatus, error)
	HostURL(ctx context.Context, host common.Address) (string, error)

	// Events, page by page (the node's ingestor follows new blocks itself).
	PastEvents(ctx context.Context, from, to uint64, fn func(last uint64, events []Event) error) error
}

// EthMarket is Market over a go-ethereum client and a Sender.
type EthMarket struct {
	client   Backend
	sender   Sender
	addr     common.Address
	abi      *bindings.Marketplace
	token    *bindings.TestToken
	contract *bind.BoundContract
	// PageSize is the block range of one log query (DefaultPage if zero).
	PageSize uint64

	// spend serializes approve-then-spend pairs: two fills checking the
	// allowance at once would each see the other's approval as their own.
	spend sync.Mutex
	// claimed is, by slot, the collateral of fills approved and not yet
	// mined: the allowance each counts on. An approval covers them all, so
	// one fill never spends another's; else the other's approval, whose
	// purpose was sent already, could not be sent again that period.
	// Under spend.
	claimed map[SlotID]*big.Int

	// tokenAddr caches the Marketplace's token, which is immutable.
	tokenMu   sync.Mutex
	tokenAddr common.Address

	payout Payout
}

// Payout names where freeSlot sends a host's earnings and its collateral;
// a zero address means the signing account.
type Payout struct {
	Reward     common.Address
	Collateral common.Address
}

// SetPayout makes every later FreeSlot pay to p. Call it before the market
// is shared.
func (m *EthMarket) SetPayout(p Payout) { m.payout = p }

// PayoutTo is where FreeSlot pays, zero addresses resolved to the account.
func (m *EthMarket) PayoutTo() Payout {
	p := m.payout
	if p.Reward == (common.Address{}) {
		p.Reward = m.Account()
	}
	if p.Collateral == (common.Address{}) {
		p.Collateral = m.Account()
	}
	return p
}

var _ Market = (*EthMarket)(nil)

// NewEthMarket binds the Marketplace at addr; sender signs its transactions.
func NewEthMarket(client Backend, sender Sender, addr common.Address) *EthMarket {
	m := bindings.NewMarketplace()
	return &EthMarket{client: client, sender: sender, addr: addr, abi: m, token: bindings.NewTestToken(), contract: m.Instance(client, addr)}
}

func (m *EthMarket) Address() common.Address { return m.addr }
func (m *EthMarket) Account() common.Address { return m.sender.From() }

// call runs a view and decodes its contract error, if any.
func call[T any](ctx context.Context, m *EthMarket, what string, data []byte, unpack func([]byte) (T, error)) (T, error) {
	v, err := bind.Call(m.contract, &bind.CallOpts{Context: ctx}, data, unpack)
	if err != nil {
		var zero T
		return zero, fmt.Errorf("%s: %w", what, DecodeCallError(err))
	}
	return v, nil
}

func (m *EthMarket) send(ctx context.Context, purpose string, data []byte) (*types.Receipt, error) {
	return m.sender.Send(ctx, purpose, &m.addr, data)
}

func (m *EthMarket) Config(ctx context.Context) (Config, error) {
	c, err := call(ctx, m, "config", m.abi.PackConfig(), m.abi.UnpackConfig)
	return fromBindingConfig(c), err
}

// Token is the ERC20 the Marketplace pays in, read once (it is immutable).
func (m *EthMarket) Token(ctx context.Context) (common.Address, error) {
	m.tokenMu.Lock()
	defer m.tokenMu.Unlock()
	if m.tokenAddr != (common.Address{}) {
		return m.tokenAddr, nil
	}
	token, err := call(ctx, m, "token", m.abi.PackToken(), m.abi.UnpackToken)
	if err == nil {
		m.tokenAddr = token
	}
	return token, err
}

func (m *EthMarket) TokenBalance(ctx context.Context, who common.Address) (*big.Int, error) {
	token, err := m.Token(ctx)
	if err != nil {
		return nil, err
	}
	t := m.token.Instance(m.client, token)
	return bind.Call(t, &bind.CallOpts{Context: ctx}, m.token.PackBalanceOf(who), m.token.UnpackBalanceOf)
}

// approve makes sure the Marketplace may take amount of the account's
// tokens beyond what the fills claimed for other slots than slot count on
// (a zero slot: every claimed fill). Under spend.
func (m *EthMarket) approve(ctx context.Context, purpose string, slot SlotID, amount *big.Int) error {
	amount = new(big.Int).Set(amount)
	for s, c := range m.claimed {
		if s != slot {
			amount.Add(amount, c)
		}
	}
	if amount.Sign() == 0 {
		return nil
	}
	token, err := m.Token(ctx)
	if err != nil {
		return err
	}
	t := m.token.Instance(m.client, token)
	allowed, err := bind.Call(t, &bind.CallOpts{Context: ctx}, m.token.PackAllowance(m.Account(), m.addr), m.token.UnpackAllowance)
	if err != nil {
		return fmt.Errorf("allowance: %w", err)
	}
	if allowed.Cmp(amount) >= 0 {
		return nil
	}
	if _, err := m.sender.Send(ctx, "approve:"+purpose, &token, m.token.PackApprove(m.addr, amount)); err != nil {
		return fmt.Errorf("approve %s: %w", amount, err)
	}
	return nil
}

func (m *EthMarket) RequestStorage(ctx context.Context, r Request) (RequestID, *types.Receipt, error) {
	id, err := GetRequestID(r)
	if err != nil {
		return id, nil, err
	}
	purpose := "request:" + id.Hex()
	m.spend.Lock()
	defer m.spend.Unlock()
	if err := m.approve(ctx, purpose, SlotID{}, Deposit(r.Ask)); err != nil {
		return id, nil, fmt.Errorf("request storage: %w", err)
	}
	rc, err := m.send(ctx, purpose, m.abi.PackRequestStorage(BindingRequest(r)))
	return id, rc, err
}

func (m *EthMarket) WithdrawFunds(ctx context.Context, id RequestID) (*types.Receipt, error) {
	return m.send(ctx, "withdraw:"+id.Hex(), m.abi.PackWithdrawFunds(id))
}

// FillPurposePrefix starts the tx purpose of every fill of slot; the
// period the fill's proof answers follows it.
func FillPurposePrefix(slot SlotID) string { return "fill:" + slot.Hex() + ":" }

func (m *EthMarket) FillSlot(ctx context.Context, id RequestID, index uint64, slotRoot common.Hash, rootPath []common.Hash, p Proof) (*types.Receipt, error) {
	purpose, ask, err := m.fillPurpose(ctx, id, index)
	if err != nil {
		return nil, err
	}
	slot := GetSlotID(id, index)
	m.spend.Lock()
	defer m.spend.Unlock()
	if err := m.claim(ctx, purpose, slot, SlotCollateral(ask)); err != nil {
		return nil, err
	}
	rc, err := m.send(ctx, purpose, m.abi.PackFillSlot(id, index, slotRoot, hashes32(rootPath), BindingProof(p)))
	if rc != nil && rc.Status == types.ReceiptStatusSuccessful {
		delete(m.claimed, slot) // spent: the allowance it counted on is gone
	}
	return rc, err
}

// ApproveFill approves the slot's collateral as FillSlot would, under the
// same purpose, so that a FillSlot after it sends only the fill.
func (m *EthMarket) ApproveFill(ctx context.Context, id RequestID, index uint64) error {
	purpose, ask, err := m.fillPurpose(ctx, id, index)
	if err != nil {
		return err
	}
	m.spend.Lock()
	defer m.spend.Unlock()
	return m.claim(ctx, purpose, GetSlotID(id, index), SlotCollateral(ask))
}

// claim approves slot's fill, collateral beside what the other claimed
// fills count on, and records the claim until the fill is mined. A claim
// whose fill never comes (the sale ended) only leaves the allowance higher
// than needed. Under spend.
func (m *EthMarket) claim(ctx context.Context, purpose string, slot SlotID, collateral *big.Int) error {
	if err := m.approve(ctx, purpose, slot, collateral); err != nil {
		return fmt.Errorf("fill slot %s: %w", slot, err)
	}
	if m.claimed == nil {
		m.claimed = map[SlotID]*big.Int{}
	}
	m.claimed[slot] = collateral
	return nil
}

// fillPurpose is the tx purpose of a fill sent now, and the request's ask.
// The proof answers this period's challenge: a fill that reverted because
// the challenge moved is retried under the next period's purpose.
func (m *EthMarket) fillPurpose(ctx context.Context, id RequestID, index uint64) (string, Ask, error) {
	slot := GetSlotID(id, index)
	period, err := m.CurrentPeriod(ctx)
	if err != nil {
		return "", Ask{}, fmt.Errorf("fill slot %s: %w", slot, err)
	}
	req, err := m.GetRequest(ctx, id)
	if err != nil {
		return "", Ask{}, fmt.Errorf("fill slot %s: %w", slot, err)
	}
	return FillPurposePrefix(slot) + strconv.FormatUint(period, 10), req.Ask, nil
}

// ReservePurposePrefix starts the tx purpose of every reservation of slot.
func ReservePurposePrefix(slot SlotID) string { return "reserve:" + slot.Hex() + ":" }

// ReserveSlot reserves the slot for this account, under the tx purpose
// ReservePurposePrefix(slot) + attempt.
func (m *EthMarket) ReserveSlot(ctx context.Context, id RequestID, index, attempt uint64) (*types.Receipt, error) {
	purpose := ReservePurposePrefix(GetSlotID(id, index)) + strconv.FormatUint(attempt, 10)
	return m.send(ctx, purpose, m.abi.PackReserveSlot(id, index))
}

// SetHostURL records url as where this account serves slot data. The
// call is idempotent, so its purpose names the url and the head: a retry
// within a block sends nothing new, and A → B → A later sends A again.
func (m *EthMarket) SetHostURL(ctx context.Context, url string) (*types.Receipt, error) {
	head, err := m.client.BlockNumber(ctx)
	if err != nil {
		return nil, fmt.Errorf("set host url: head: %w", err)
	}
	purpose := fmt.Sprintf("host-url:%s:%d", crypto.Keccak256Hash([]byte(url)).Hex(), head)
	return m.send(ctx, purpose, m.abi.PackSetHostUrl(url))
}

func (m *EthMarket) SubmitProof(ctx context.Context, slot SlotID, p Proof) (*types.Receipt, error) {
	period, err := m.CurrentPeriod(ctx)
	if err != nil {
		return nil, err
	}
	return m.send(ctx, fmt.Sprintf("proof:%s:%d", slot.Hex(), period), m.abi.PackSubmitProof(slot, BindingProof(p)))
}

// FreeSlot frees the slot, paying to PayoutTo.
func (m *EthMarket) FreeSlot(ctx context.Context, slot SlotID) (*types.Receipt, error) {
	p := m.PayoutTo()
	return m.send(ctx, "free:"+slot.Hex(), m.abi.PackFreeSlot(slot, p.Reward, p.Collateral))
}

// PayoutSlot collects the slot's earnings and collateral, paying to
// PayoutTo, under the same purpose as FreeSlot: both free the slot once.
func (m *EthMarket) PayoutSlot(ctx context.Context, slot SlotID) (*types.Receipt, error) {
	p := m.PayoutTo()
	return m.send(ctx, "free:"+slot.Hex(), m.abi.PackPayoutSlot(slot, p.Reward, p.Collateral))
}

func (m *EthMarket) MarkProofAsMissing(ctx context.Context, slot SlotID, period uint64) (*types.Receipt, error) {
	return m.send(ctx, fmt.Sprintf("mark:%s:%d", slot.Hex(), period), m.abi.PackMarkProofAsMissing(slot, new(big.Int).SetUint64(period)))
}

func (m *EthMarket) GetRequest(ctx context.Context, id RequestID) (Request, error) {
	r, err := call(ctx, m, "get request "+id.Hex(), m.abi.PackGetRequest(id), m.abi.UnpackGetRequest)
	return fromBindingRequest(r), err
}

func (m *EthMarket) RequestState(ctx context.Context, id RequestID) (RequestState, error) {
	s, err := call(ctx, m, "request state "+id.Hex(), m.abi.PackRequestState(id), m.abi.UnpackRequestState)
	return RequestState(s), err
}

func (m *EthMarket) RequestEnd(ctx context.Context, id RequestID) (uint64, error) {
	return call(ctx, m, "request end "+id.Hex(), m.abi.PackRequestEnd(id), m.abi.UnpackRequestEnd)
}

func (m *EthMarket) RequestExpiry(ctx context.Context, id RequestID) (uint64, error) {
	return call(ctx, m, "request expiry "+id.Hex(), m.abi.PackRequestExpiry(id), m.abi.UnpackRequestExpiry)
}

func (m *EthMarket) SlotState(ctx context.Context, slot SlotID) (SlotState, error) {
	s, err := call(ctx, m, "slot state "+slot.Hex(), m.abi.PackSlotState(slot), m.abi.UnpackSlotState)
	return SlotState(s), err
}

func (m *EthMarket) GetSlot(ctx context.Context, slot SlotID) (SlotInfo, error) {
	info, err := call(ctx, m, "get slot "+slot.Hex(), m.abi.PackGetSlot(slot), m.abi.UnpackGetSlot)
	return SlotInfo(info), err
}

func (m *EthMarket) GetHost(ctx context.Context, slot SlotID) (common.Address, error) {
	return call(ctx, m, "get host "+slot.Hex(), m.abi.PackGetHost(slot), m.abi.UnpackGetHost)
}

func (m *EthMarket) MissingProofs(ctx context.Context, slot SlotID) (uint64, error) {
	n, err := call(ctx, m, "missing proofs "+slot.Hex(), m.abi.PackMissingProofs(slot), m.abi.UnpackMissingProofs)
	if err != nil {
		return 0, err
	}
	return n.Uint64(), nil
}

func (m *EthMarket) IsProofRequired(ctx context.Context, slot SlotID) (bool, error) {
	return call(ctx, m, "is proof required "+slot.Hex(), m.abi.PackIsProofRequired(slot), m.abi.UnpackIsProofRequired)
}

func (m *EthMarket) GetChallenge(ctx context.Context, slot SlotID) (common.Hash, error) {
	c, err := call(ctx, m, "challenge "+slot.Hex(), m.abi.PackGetChallenge(slot), m.abi.UnpackGetChallenge)
	return common.Hash(c), err
}

func (m *EthMarket) CurrentPeriod(ctx context.Context) (uint64, error) {
	p, err := call(ctx, m, "current period", m.abi.PackCurrentPeriod(), m.abi.UnpackCurrentPeriod)
	if err != nil {
		return 0, err
	}
	return p.Uint64(), nil
}

func (m *EthMarket) IsReserved(ctx context.Context, slot SlotID, host common.Address) (bool, error) {
	return call(ctx, m, "is reserved "+slot.Hex(), m.abi.PackIsReserved(slot, host), m.abi.UnpackIsReserved)
}

func (m *EthMarket) ReservationRank(ctx context.Context, slot SlotID, host common.Address) (uint8, error) {
	return call(ctx, m, "reservation rank "+slot.Hex(), m.abi.PackReservationRank(slot, host), m.abi.UnpackReservationRank)
}

func (m *EthMarket) SlotStatuses(ctx context.Context, slots []SlotID, markPeriod uint64) ([]SlotStatus, error) {
	ids := hashes32(slots)
	st, err := call(ctx, m, fmt.Sprintf("slot statuses of %d slots", len(slots)), m.abi.PackSlotStatuses(ids, new(big.Int).SetUint64(markPeriod)), m.abi.UnpackSlotStatuses)
	return fromBindingStatuses(st), err
}

func (m *EthMarket) HostURL(ctx context.Context, host common.Address) (string, error) {
	return call(ctx, m, "host url "+host.Hex(), m.abi.PackHostUrl(host), m.abi.UnpackHostUrl)
}

func (m *EthMarket) PastEvents(ctx context.Context, from, to uint64, fn func(last uint64, events []Event) error) error {
	return PastLogs(ctx, m.client, m.addr, from, to, m.PageSize, func(last uint64, logs []types.Log) error {
		events := make([]Event, 0, len(logs))
		for i := range logs {
			e, err := DecodeLog(&logs[i])
			if err != nil {
				continue // not ours to understand; a newer contract's event, say
			}
			events = append(events, e)
		}
		return fn(last, events)
	})
}

func hashes32[T ~[32]byte](hs []T) [][32]byte {
	out := make([][32]byte, len(hs))
	for i, h := range hs {
		out[i] = h
	}
	return out
}
