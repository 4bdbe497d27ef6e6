package contracts

import (
	"context"
	"crypto/ecdsa"
	"fmt"
	"math/big"
	"sync"
	"time"

	"github.com/ethereum/go-ethereum"
	bind "github.com/ethereum/go-ethereum/accounts/abi/bind/v2"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
)

// Backend is the part of an Ethereum client the contracts package uses;
// *ethclient.Client and the simulated backend's client both satisfy it.
type Backend interface {
	bind.ContractBackend
	bind.DeployBackend
	ChainID(ctx context.Context) (*big.Int, error)
	BalanceAt(ctx context.Context, account common.Address, block *big.Int) (*big.Int, error)
	BlockNumber(ctx context.Context) (uint64, error)
}

// Sender signs and sends one transaction and returns its receipt once mined.
// purpose names what the transaction is for (e.g. "fill:0x…"); the node's tx
// manager uses it to persist the intent and never send it twice.
// A mined transaction that reverted comes back with its receipt and the
// decoded contract error.
type Sender interface {
	From() common.Address
	Send(ctx context.Context, purpose string, to *common.Address, data []byte) (*types.Receipt, error)
}

// KeySender is the plain Sender: one key, gas estimated, EIP-1559 fees,
// nonces serialized in process. It keeps nothing on disk.
type KeySender struct {
	client  Backend
	key     *ecdsa.PrivateKey
	chainID *big.Int
	// Mine, when set, runs right after a transaction is broadcast; tests on
	// the simulated backend set it to commit a block.
	Mine func()

	mu sync.Mutex
}

// NewKeySender returns a Sender for key on client's chain.
func NewKeySender(ctx context.Context, client Backend, key *ecdsa.PrivateKey) (*KeySender, error) {
	id, err := client.ChainID(ctx)
	if err != nil {
		return nil, fmt.Errorf("chain id: %w", err)
	}
	return &KeySender{client: client, key: key, chainID: id}, nil
}

func (s *KeySender) From() common.Address { return crypto.PubkeyToAddress(s.key.PublicKey) }

func (s *KeySender) Send(ctx context.Context, purpose string, to *common.Address, data []byte) (*types.Receipt, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	signed, err := s.sign(ctx, to, data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", purpose, err)
	}
	if err := s.client.SendTransaction(ctx, signed); err != nil {
		return nil, fmt.Errorf("%s: send: %w", purpose, DecodeCallError(err))
	}
	if s.Mine != nil {
		s.mineUntilIncluded(ctx, signed.Hash())
	}
	receipt, err := bind.WaitMined(ctx, s.client, signed.Hash())
	if err != nil {
		return nil, fmt.Errorf("%s: wait for %s: %w", purpose, signed.Hash(), err)
	}
	if receipt.Status == types.ReceiptStatusSuccessful {
		return receipt, nil
	}
	return receipt, fmt.Errorf("%s: tx %s reverted: %w", purpose, signed.Hash(), s.revertReason(ctx, to, data, receipt.BlockNumber))
}

func (s *KeySender) sign(ctx context.Context, to *common.Address, data []byte) (*types.Transaction, error) {
	from := s.From()
	gas, err := s.client.EstimateGas(ctx, ethereum.CallMsg{From: from, To: to, Data: data})
	if err != nil {
		return nil, fmt.Errorf("estimate gas: %w", DecodeCallError(err))
	}
	nonce, err := s.client.PendingNonceAt(ctx, from)
	if err != nil {
		return nil, fmt.Errorf("nonce: %w", err)
	}
	tip, err := s.client.SuggestGasTipCap(ctx)
	if err != nil {
		return nil, fmt.Errorf("gas tip: %w", err)
	}
	head, err := s.client.HeaderByNumber(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("head: %w", err)
	}
	feeCap := new(big.Int).Add(tip, new(big.Int).Mul(head.BaseFee, big.NewInt(2)))
	tx := types.NewTx(&types.DynamicFeeTx{
		ChainID: s.chainID, Nonce: nonce, GasTipCap: tip, GasFeeCap: feeCap,
		Gas: gas + gas/5, To: to, Data: data,
	})
	signed, err := types.SignTx(tx, types.LatestSignerForChainID(s.chainID), s.key)
	if err != nil {
		return nil, fmt.Errorf("sign: %w", err)
	}
	return signed, nil
}

// mineUntilIncluded commits blocks until tx is in one: the pool may take a
// moment to see a freshly sent transaction.
func (s *KeySender) mineUntilIncluded(ctx context.Context, tx common.Hash) {
	for range 100 {
		s.Mine()
		if _, err := s.client.TransactionReceipt(ctx, tx); err == nil {
			return
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// revertReason replays a reverted transaction as a call in its block.
func (s *KeySender) revertReason(ctx context.Context, to *common.Address, data []byte, block *big.Int) error {
	_, err := s.client.CallContract(ctx, ethereum.CallMsg{From: s.From(), To: to, Data: data}, block)
	if err == nil {
		return ErrReverted
	}
	return DecodeCallError(err)
}
