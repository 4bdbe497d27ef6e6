// SPDX-License-Identifier: MIT
pragma solidity 0.8.34;

/// What a client asks for: N slots of slotSize bytes each, held for duration
/// seconds, proven with the given probability, paid per byte per second.
struct Ask {
    uint64 slots;
    uint64 slotSize;
    uint64 duration;
    uint64 maxSlotLoss;
    uint256 proofProbability;
    uint256 pricePerBytePerSecond;
    uint256 collateralPerByte;
}

/// cid is free-form bytes (slotd puts where the data is served there);
/// merkleRoot is the root over the slot roots.
struct Content {
    bytes cid;
    bytes32 merkleRoot;
}

/// RequestId = keccak256(abi.encode(request)).
struct Request {
    address client;
    Ask ask;
    Content content;
    uint64 expiry; // seconds after the request is made
    bytes32 nonce;
}

/// The answer to a challenge: `samples` cells of 256 bytes back to back, and
/// for each sample its Merkle path, leaf level first.
struct Proof {
    bytes cells;
    bytes32[] path;
}

enum RequestState {
    New,
    Started,
    Cancelled,
    Finished,
    Failed
}

enum SlotState {
    Free,
    Filled,
    Finished,
    Failed,
    Paid,
    Cancelled,
    Repair
}

struct CollateralConfig {
    uint8 slashPercentage; // of a slot's full collateral, per missed proof
    uint8 validatorRewardPercentage; // of each slash, to the validator that marked it
    uint8 maxNumberOfSlashes; // then the slot is freed for repair
    uint8 repairRewardPercentage; // of a slot's collateral, waived for the host that repairs it
}

struct ProofConfig {
    uint64 period; // seconds
    uint64 timeout; // seconds after a period within which a missed proof is marked
    uint8 downtime; // of every 256 blocks, how many proofs are off (must be < 256)
    uint8 downtimeProduct; // odd, spreads each period's challenge block
    uint16 samples; // cells opened per proof
}

struct SlotReservationsConfig {
    uint8 maxReservations; // hosts that may hold a reservation on one slot at once
}

struct MarketplaceConfig {
    CollateralConfig collateral;
    ProofConfig proofs;
    SlotReservationsConfig reservations;
    uint64 requestDurationLimit; // seconds; the longest duration a request may ask for
}
