package contracts_test

import (
	"math/big"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/slotd/slotd/contracts"
	ct "github.com/slotd/slotd/contracts/contractstest"
)

// TestPayoutReachesChosenRecipients: with a reward and a collateral
// recipient set, freeSlot pays a host's earnings to the one and its
// collateral to the other, on a clean finish, on cancel and on fail (a
// host that left early gets nothing anywhere); the signing account only
// ever pays its collateral, and the contract holds 0 once all settled.
func TestPayoutReachesChosenRecipients(t *testing.T) {
	for _, p := range []path{finish, cancel, fail} {
		t.Run(p.String(), func(t *testing.T) {
			e := ct.NewEnv(t, ct.TestConfig())
			ds := ct.NewDataset(t, 41, 3, slotSize)
			ask := e.Ask(3, 1, slotSize)
			r := e.NewRequest(ds, ask)
			collateral := contracts.SlotCollateral(ask)
			type to struct{ reward, collateral common.Address }
			var payees []to
			var signerBefore []*big.Int
			for _, h := range e.Hosts {
				k1, _ := crypto.GenerateKey()
				k2, _ := crypto.GenerateKey()
				payee := to{crypto.PubkeyToAddress(k1.PublicKey), crypto.PubkeyToAddress(k2.PublicKey)}
				h.M.SetPayout(contracts.Payout{Reward: payee.reward, Collateral: payee.collateral})
				payees = append(payees, payee)
				signerBefore = append(signerBefore, e.Balance(h.Addr))
			}
			settle(t, e, ds, r, p)
			id, _ := contracts.GetRequestID(r)
			end, _ := e.Client.M.RequestEnd(e.Ctx, id)
			for i, h := range e.Hosts {
				slot := contracts.GetSlotID(id, uint64(i))
				info, _ := e.Client.M.GetSlot(e.Ctx, slot)
				filled := !(p == cancel && i == 2)
				left := p == fail && uint64(i) <= ask.MaxSlotLoss
				wantReward, wantCollateral, wantSpent := new(big.Int), new(big.Int), new(big.Int)
				switch {
				case !filled:
				case left:
					wantSpent = collateral // forfeited to the client
				default:
					wantReward = ct.Mul(end-info.FilledAt, slotSize, 3)
					wantCollateral = collateral
					wantSpent = collateral
				}
				ct.WantEqual(t, "earnings at the reward recipient", e.Balance(payees[i].reward), wantReward)
				ct.WantEqual(t, "collateral at the collateral recipient", e.Balance(payees[i].collateral), wantCollateral)
				ct.WantEqual(t, "signing account spent only its collateral", new(big.Int).Sub(signerBefore[i], e.Balance(h.Addr)), wantSpent)
			}
			ct.WantEqual(t, "nothing left in the contract", e.Balance(e.Dep.Marketplace), new(big.Int))
		})
	}
}
