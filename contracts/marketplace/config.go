package marketplace

// DefaultConfig is the deployment slotd's tools use unless told otherwise;
// samples is 3 because each sample of a 1 GiB slot costs about 38k gas of
// calldata under EIP-7623 (see the gas report in the README). Reservations,
// the repair reward and the duration limit are Codex's defaults.
func DefaultConfig() Config {
	return Config{
		Collateral:           CollateralConfig{SlashPercentage: 10, ValidatorRewardPercentage: 20, MaxNumberOfSlashes: 3, RepairRewardPercentage: 10},
		Proofs:               ProofConfig{Period: 60, Timeout: 30, Downtime: 64, DowntimeProduct: 67, Samples: 3},
		Reservations:         ReservationsConfig{MaxReservations: 3},
		RequestDurationLimit: DefaultRequestDurationLimit,
	}
}

// DefaultRequestDurationLimit is 30 days.
const DefaultRequestDurationLimit = 30 * 24 * 3600
