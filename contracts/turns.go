package contracts

// FillTurnBlocks is how long one reserver's turn at the fill lasts.
const FillTurnBlocks = 6

// FillTurn is the reservation rank (1 for a slot's first reserver) whose
// turn it is to fill a slot in block. Turns go round the ranks
// 1..maxReservations by block number alone, so every host agrees on them
// with no call: reservers that finish their downloads together then fill
// one at a time, instead of all sending fills of which all but one revert.
// The contract does not enforce turns; hosts keep to them to save gas.
func FillTurn(block uint64, maxReservations uint8) uint8 {
	if maxReservations == 0 {
		return 1
	}
	return uint8(block/FillTurnBlocks%uint64(maxReservations)) + 1
}
