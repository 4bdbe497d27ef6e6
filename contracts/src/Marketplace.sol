// SPDX-License-Identifier: MIT
pragma solidity 0.8.34;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import "./Requests.sol";

/// @title slotd storage marketplace
/// @notice Clients pay to keep erasure-coded slots of a file for a duration;
/// hosts fill slots against collateral and prove, period after period, that they
/// hold the slot's bytes; validators mark missed proofs, which slashes collateral.
/// Every token that enters leaves: hosts are paid for the time they held a slot,
/// clients get back what was not earned plus forfeited collateral, validators
/// get their share of each slash.
contract Marketplace {
    using SafeERC20 for IERC20;

    error InvalidConfig(string reason);
    error InvalidClient();
    error InvalidAsk(string reason);
    error InvalidExpiry();
    error RequestAlreadyExists();
    error UnknownRequest();
    error InvalidSlotIndex();
    error SlotNotFree();
    error RequestNotActive();
    error InvalidSlotRoot();
    error InvalidProof();
    error SlotNotFilled();
    error NotSlotHost();
    error ProofAlreadySubmitted();
    error PeriodNotEnded();
    error ValidationTimedOut();
    error ProofWasSubmitted();
    error ProofAlreadyMarked();
    error ProofNotRequired();
    error NotClient();
    error RequestNotEnded();
    error AlreadyWithdrawn();
    error AlreadyReserved();
    error ReservationsFull();
    error NotReserved();
    error InvalidRecipient();
    error InvalidUrl();

    event StorageRequested(bytes32 requestId, Ask ask, uint64 expiry);
    event SlotFilled(bytes32 indexed requestId, uint64 slotIndex);
    event SlotFreed(bytes32 indexed requestId, uint64 slotIndex);
    event RequestFulfilled(bytes32 indexed requestId);
    event RequestCancelled(bytes32 indexed requestId);
    event RequestFailed(bytes32 indexed requestId);
    event ProofSubmitted(bytes32 slotId);
    event ProofMarkedMissing(bytes32 slotId, uint256 period);
    event SlotReservationsFull(bytes32 indexed requestId, uint64 slotIndex);
    event HostUrlSet(address indexed host, string url);

    /// What happens to a request over time; Cancelled and Finished are read
    /// from block time, the rest is stored.
    struct Context {
        RequestState state; // New, Started or Failed
        uint40 requestedAt;
        uint40 failedAt;
        uint64 slotsFilled;
        uint64 slotsFreed; // freed while Started; more than maxSlotLoss fails the request
        bool withdrawn;
        bool cancelNoted; // RequestCancelled emitted
        uint256 paidOut; // earnings already sent to hosts
        uint256 forfeited; // collateral of replaced hosts, owed to the client
    }

    enum Held {
        Free,
        Filled,
        Repair,
        Paid
    }

    /// One slot, packed so that a proof reads few words. The first word also
    /// holds the reservations: how many hosts hold one, and the round they
    /// belong to. A fill or a free starts a new round, which clears them all
    /// without touching the reservers' entries.
    struct Slot {
        address host;
        uint40 filledAt;
        uint8 slashes;
        Held held;
        uint8 reservations;
        uint32 round;
        uint64 slotIndex;
        uint128 collateral; // what is left of the host's collateral
        bytes32 requestId;
        bytes32 root;
    }

    /// The public view of a slot.
    struct SlotInfo {
        bytes32 requestId;
        uint64 slotIndex;
        address host;
        uint64 filledAt;
        bytes32 root;
        uint256 collateral;
        uint256 slashes;
        SlotState state;
        uint256 reservations;
    }

    /// What a host or a validator needs of one slot in one period, as of the
    /// block the view runs in (see slotStatuses).
    struct SlotStatus {
        SlotState state;
        address host;
        uint64 missingProofs; // marks against the current host
        uint8 reservations;
        bool proofRequired; // now, in the current period
        bool willProofBeRequired;
        bool proofReceived; // a proof landed in the current period
        bool markable; // markProofAsMissing(id, markPeriod) would be accepted now
        uint8 pointer;
        bytes32 challenge;
    }

    uint256 private constant MAX_URL = 512;

    uint256 private constant CELL = 256;

    IERC20 public immutable token;
    MarketplaceConfig private _config;

    mapping(bytes32 => Request) private _requests;
    mapping(bytes32 => Context) private _contexts;
    mapping(bytes32 => Slot) private _slots;
    mapping(bytes32 => mapping(uint256 => bool)) private _received;
    mapping(bytes32 => mapping(uint256 => bool)) private _missing;
    mapping(address => bytes32[]) private _clientRequests;
    mapping(address => bytes32[]) private _hostSlots;
    /// slot id => host => (1 + the round of its reservation) << 8 | its rank
    /// (1 for the first reserver of the round); 0: none.
    mapping(bytes32 => mapping(address => uint256)) private _reserved;
    mapping(address => string) private _hostUrls;

    constructor(IERC20 token_, MarketplaceConfig memory config_) {
        CollateralConfig memory c = config_.collateral;
        ProofConfig memory p = config_.proofs;
        if (uint256(c.slashPercentage) * c.maxNumberOfSlashes + c.repairRewardPercentage > 100) {
            revert InvalidConfig("slashPercentage * maxNumberOfSlashes + repairRewardPercentage exceeds 100");
        }
        if (c.validatorRewardPercentage > 100) revert InvalidConfig("validatorRewardPercentage exceeds 100");
        if (c.maxNumberOfSlashes == 0) revert InvalidConfig("maxNumberOfSlashes is zero");
        if (p.period == 0) revert InvalidConfig("period is zero");
        if (p.samples == 0) revert InvalidConfig("samples is zero");
        if (config_.reservations.maxReservations == 0) revert InvalidConfig("maxReservations is zero");
        // Timestamps are uint40: with the limit below 2^40, requestedAt + duration fits a uint64.
        if (config_.requestDurationLimit == 0 || config_.requestDurationLimit >= 2 ** 40) {
            revert InvalidConfig("requestDurationLimit must be 1..2^40-1");
        }
        token = token_;
        _config = config_;
    }

    function config() external view returns (MarketplaceConfig memory) {
        return _config;
    }

    // ---- client ----

    /// @notice Publish a request and deposit slots × slotSize × duration × price.
    function requestStorage(Request calldata request) external {
        if (request.client != msg.sender) revert InvalidClient();
        _checkAsk(request.ask);
        if (request.expiry == 0 || request.expiry >= request.ask.duration) revert InvalidExpiry();
        bytes32 id = keccak256(abi.encode(request));
        if (_requests[id].client != address(0)) revert RequestAlreadyExists();
        _requests[id] = request;
        _contexts[id].requestedAt = uint40(block.timestamp);
        _clientRequests[msg.sender].push(id);
        token.safeTransferFrom(msg.sender, address(this), _deposit(request.ask));
        emit StorageRequested(id, request.ask, uint64(block.timestamp) + request.expiry);
    }

    /// Besides the ask's own sense, every sum the contract later stores or
    /// computes must fit: the deposit a uint256 (earnings and refunds are
    /// parts of it), a slot's collateral the uint128 it is stored in.
    function _checkAsk(Ask calldata ask) private view {
        if (ask.slots == 0 || ask.slots > 256) revert InvalidAsk("slots must be 1..256");
        if (ask.slotSize == 0 || ask.slotSize % CELL != 0) revert InvalidAsk("slotSize must be a positive multiple of 256");
        if (ask.duration == 0) revert InvalidAsk("duration is zero");
        if (ask.duration > _config.requestDurationLimit) revert InvalidAsk("duration exceeds requestDurationLimit");
        if (ask.pricePerBytePerSecond > type(uint256).max / (uint256(ask.slots) * ask.slotSize * ask.duration)) {
            revert InvalidAsk("deposit exceeds uint256");
        }
        if (ask.collateralPerByte > type(uint128).max / ask.slotSize) revert InvalidAsk("slot collateral exceeds uint128");
        if (ask.maxSlotLoss >= ask.slots) revert InvalidAsk("maxSlotLoss must be below slots");
        if (ask.proofProbability == 0) revert InvalidAsk("proofProbability is zero");
        if (ask.pricePerBytePerSecond == 0) revert InvalidAsk("pricePerBytePerSecond is zero");
    }

    function _deposit(Ask memory ask) private pure returns (uint256) {
        return uint256(ask.slots) * ask.slotSize * ask.duration * ask.pricePerBytePerSecond;
    }

    /// @notice Return to the client what hosts did not earn, plus forfeited
    /// collateral, once the request has ended.
    function withdrawFunds(bytes32 requestId) external {
        Request storage request = _request(requestId);
        if (request.client != msg.sender) revert NotClient();
        RequestState state = requestState(requestId);
        if (state == RequestState.New || state == RequestState.Started) revert RequestNotEnded();
        Context storage ctx = _contexts[requestId];
        if (ctx.withdrawn) revert AlreadyWithdrawn();
        ctx.withdrawn = true;
        if (state == RequestState.Cancelled) _noteCancelled(requestId, ctx);
        token.safeTransfer(msg.sender, _refund(requestId, request, ctx));
    }

    function _refund(bytes32 requestId, Request storage request, Context storage ctx) private view returns (uint256) {
        Ask memory ask = request.ask;
        uint256 payEnd = _payEnd(requestId);
        uint256 credit = ctx.forfeited;
        uint256 owed = ctx.paidOut;
        for (uint64 i = 0; i < ask.slots; i++) {
            Slot storage slot = _slots[slotId(requestId, i)];
            if (slot.held == Held.Filled) owed += _earnings(ask, slot.filledAt, payEnd);
            if (slot.held == Held.Filled || slot.held == Held.Paid) credit += _slashedToClient(ask, slot.slashes);
        }
        return _deposit(ask) - owed + credit;
    }

    // ---- host ----

    /// @notice Take a free slot: prove the slot root belongs to the content,
    /// answer the current challenge, and lock collateralPerByte × slotSize.
    function fillSlot(
        bytes32 requestId,
        uint64 slotIndex,
        bytes32 slotRoot,
        bytes32[] calldata slotRootPath,
        Proof calldata proof
    ) external {
        Request storage request = _request(requestId);
        Ask memory ask = request.ask;
        if (slotIndex >= ask.slots) revert InvalidSlotIndex();
        RequestState rstate = requestState(requestId);
        if (rstate != RequestState.New && rstate != RequestState.Started) revert RequestNotActive();
        bytes32 id = slotId(requestId, slotIndex);
        Slot storage slot = _slots[id];
        if (slot.held == Held.Filled || slot.held == Held.Paid) revert SlotNotFree();
        if (_reserved[id][msg.sender] >> 8 != uint256(slot.round) + 1) revert NotReserved();
        delete _reserved[id][msg.sender];
        if (slotRootPath.length != _depth(ask.slots) || _fold(slotRoot, slotIndex, slotRootPath) != request.content.merkleRoot) {
            revert InvalidSlotRoot();
        }
        _verify(id, slotRoot, ask.slotSize / CELL, proof);

        // A repairing host posts less, and the slot credits it the full
        // collateral: the difference is its reward, paid from what the host
        // before it forfeited (the config keeps that enough).
        uint256 collateral = ask.collateralPerByte * ask.slotSize;
        uint256 posted = collateral;
        Context storage ctx = _contexts[requestId];
        if (slot.held == Held.Repair) {
            uint256 reward = (collateral * _config.collateral.repairRewardPercentage) / 100;
            posted -= reward;
            ctx.forfeited -= reward;
        }
        slot.host = msg.sender;
        slot.filledAt = uint40(block.timestamp);
        slot.slashes = 0;
        slot.held = Held.Filled;
        slot.reservations = 0;
        slot.round += 1;
        slot.slotIndex = slotIndex;
        slot.collateral = uint128(collateral);
        slot.requestId = requestId;
        slot.root = slotRoot;
        _hostSlots[msg.sender].push(id);

        ctx.slotsFilled += 1;
        emit SlotFilled(requestId, slotIndex);
        if (ctx.state == RequestState.New && ctx.slotsFilled == ask.slots) {
            ctx.state = RequestState.Started;
            emit RequestFulfilled(requestId);
        }
        if (posted > 0) token.safeTransferFrom(msg.sender, address(this), posted);
    }

    /// @notice Reserve a Free or Repair slot before downloading it: only a
    /// reserver may fill it, and at most maxReservations hosts hold a
    /// reservation at once. The last one emits SlotReservationsFull.
    function reserveSlot(bytes32 requestId, uint64 slotIndex) external {
        RequestState rstate = requestState(requestId);
        if (rstate != RequestState.New && rstate != RequestState.Started) revert RequestNotActive();
        if (slotIndex >= _requests[requestId].ask.slots) revert InvalidSlotIndex();
        bytes32 id = slotId(requestId, slotIndex);
        Slot storage slot = _slots[id];
        if (slot.held == Held.Filled || slot.held == Held.Paid) revert SlotNotFree();
        uint256 round = uint256(slot.round) + 1;
        if (_reserved[id][msg.sender] >> 8 == round) revert AlreadyReserved();
        uint8 count = slot.reservations;
        uint8 max = _config.reservations.maxReservations;
        if (count >= max) revert ReservationsFull();
        _reserved[id][msg.sender] = (round << 8) | (uint256(count) + 1);
        slot.reservations = count + 1;
        if (count + 1 == max) emit SlotReservationsFull(requestId, slotIndex);
    }

    /// @notice Answer the current challenge for a filled slot, once per period.
    function submitProof(bytes32 id, Proof calldata proof) external {
        Slot storage slot = _slots[id];
        if (slotState(id) != SlotState.Filled) revert SlotNotFilled();
        uint256 period = _period(block.timestamp);
        if (_received[id][period]) revert ProofAlreadySubmitted();
        _verify(id, slot.root, _requests[slot.requestId].ask.slotSize / CELL, proof);
        _received[id][period] = true;
        emit ProofSubmitted(id);
    }

    /// @notice Leave a slot. After the request ended (finished, cancelled or
    /// failed) this pays the host for the time it held the slot and returns its
    /// collateral; before that the host forfeits both and the slot is freed.
    function freeSlot(bytes32 id) external {
        _freeSlot(id, msg.sender, msg.sender, false);
    }

    /// @notice freeSlot that sends the earnings to rewardRecipient and the
    /// collateral to collateralRecipient, so the key that signs a host's
    /// transactions need hold nothing but gas and collateral.
    function freeSlot(bytes32 id, address rewardRecipient, address collateralRecipient) external {
        if (rewardRecipient == address(0) || collateralRecipient == address(0)) revert InvalidRecipient();
        _freeSlot(id, rewardRecipient, collateralRecipient, false);
    }

    /// @notice freeSlot that only collects: it reverts with RequestNotEnded
    /// while the request runs instead of giving the slot up. A host signs
    /// its payout on the block where it saw the end; a reorganisation can
    /// put the transaction in a block stamped before the end, where
    /// freeSlot would forfeit the slot and its collateral.
    function payoutSlot(bytes32 id, address rewardRecipient, address collateralRecipient) external {
        if (rewardRecipient == address(0) || collateralRecipient == address(0)) revert InvalidRecipient();
        _freeSlot(id, rewardRecipient, collateralRecipient, true);
    }

    function _freeSlot(bytes32 id, address rewardRecipient, address collateralRecipient, bool payoutOnly) private {
        Slot storage slot = _slots[id];
        if (slot.held != Held.Filled) revert SlotNotFilled();
        if (slot.host != msg.sender) revert NotSlotHost();
        bytes32 requestId = slot.requestId;
        RequestState rstate = requestState(requestId);
        if (rstate == RequestState.New || rstate == RequestState.Started) {
            if (payoutOnly) revert RequestNotEnded();
            _forciblyFree(slot, requestId);
            return;
        }
        if (rstate == RequestState.Cancelled) _noteCancelled(requestId, _contexts[requestId]);
        Ask memory ask = _requests[requestId].ask;
        uint256 earned = _earnings(ask, slot.filledAt, _payEnd(requestId));
        uint256 collateral = slot.collateral;
        slot.held = Held.Paid;
        slot.collateral = 0;
        _contexts[requestId].paidOut += earned;
        if (rewardRecipient == collateralRecipient) {
            token.safeTransfer(rewardRecipient, earned + collateral);
            return;
        }
        if (earned > 0) token.safeTransfer(rewardRecipient, earned);
        if (collateral > 0) token.safeTransfer(collateralRecipient, collateral);
    }

    // ---- validator ----

    /// @notice Mark that a required proof for `period` never came. Allowed
    /// after the period and before its timeout, once per slot and period.
    function markProofAsMissing(bytes32 id, uint256 period) external {
        Slot storage slot = _slots[id];
        if (slotState(id) != SlotState.Filled) revert SlotNotFilled();
        if (period >= _period(block.timestamp)) revert PeriodNotEnded(); // also keeps the sum below from overflowing
        uint256 end = (period + 1) * _config.proofs.period;
        if (block.timestamp < end) revert PeriodNotEnded();
        if (block.timestamp >= end + _config.proofs.timeout) revert ValidationTimedOut();
        if (_received[id][period]) revert ProofWasSubmitted();
        if (_missing[id][period]) revert ProofAlreadyMarked();
        if (!_isProofRequired(id, slot, period)) revert ProofNotRequired();
        _missing[id][period] = true;
        emit ProofMarkedMissing(id, period);

        CollateralConfig memory c = _config.collateral;
        Ask memory ask = _requests[slot.requestId].ask;
        uint256 amount = _slashAmount(ask);
        uint256 reward = (amount * c.validatorRewardPercentage) / 100;
        slot.collateral -= uint128(amount);
        slot.slashes += 1;
        if (slot.slashes >= c.maxNumberOfSlashes) _forciblyFree(slot, slot.requestId);
        if (reward > 0) token.safeTransfer(msg.sender, reward);
    }

    // ---- views ----

    function slotId(bytes32 requestId, uint256 slotIndex) public pure returns (bytes32) {
        return keccak256(abi.encode(requestId, slotIndex));
    }

    function getRequest(bytes32 requestId) external view returns (Request memory) {
        return _request(requestId);
    }

    function requestState(bytes32 requestId) public view returns (RequestState) {
        Context storage ctx = _contexts[requestId];
        if (ctx.requestedAt == 0) revert UnknownRequest();
        RequestState state = ctx.state;
        Request storage request = _requests[requestId];
        if (state == RequestState.New && block.timestamp > uint256(ctx.requestedAt) + request.expiry) {
            return RequestState.Cancelled;
        }
        if (state == RequestState.Started && block.timestamp > uint256(ctx.requestedAt) + request.ask.duration) {
            return RequestState.Finished;
        }
        return state;
    }

    function slotState(bytes32 id) public view returns (SlotState) {
        Slot storage slot = _slots[id];
        if (slot.requestId == bytes32(0)) return SlotState.Free;
        if (slot.held == Held.Paid) return SlotState.Paid;
        RequestState rstate = requestState(slot.requestId);
        if (rstate == RequestState.Cancelled) return SlotState.Cancelled;
        if (rstate == RequestState.Finished) return SlotState.Finished;
        if (rstate == RequestState.Failed) return SlotState.Failed;
        if (slot.held == Held.Filled) return SlotState.Filled;
        if (slot.held == Held.Repair) return SlotState.Repair;
        return SlotState.Free;
    }

    /// @notice When the request's money stops flowing: its end, its expiry
    /// once cancelled, or the moment it failed.
    function requestEnd(bytes32 requestId) external view returns (uint64) {
        _request(requestId);
        return uint64(_payEnd(requestId));
    }

    /// @notice The moment a request still New becomes Cancelled.
    function requestExpiry(bytes32 requestId) external view returns (uint64) {
        Request storage request = _request(requestId);
        return uint64(uint256(_contexts[requestId].requestedAt) + request.expiry);
    }

    function getHost(bytes32 id) external view returns (address) {
        Slot storage slot = _slots[id];
        return slot.held == Held.Filled || slot.held == Held.Paid ? slot.host : address(0);
    }

    function getSlot(bytes32 id) external view returns (SlotInfo memory info) {
        Slot storage slot = _slots[id];
        info = SlotInfo({
            requestId: slot.requestId,
            slotIndex: slot.slotIndex,
            host: slot.host,
            filledAt: slot.filledAt,
            root: slot.root,
            collateral: slot.collateral,
            slashes: slot.slashes,
            state: slotState(id),
            reservations: slot.reservations
        });
    }

    /// @notice Whether host holds a reservation on the slot now.
    function isReserved(bytes32 id, address host) external view returns (bool) {
        return _reserved[id][host] >> 8 == uint256(_slots[id].round) + 1;
    }

    /// @notice host's place among the slot's current reservers (1: first),
    /// 0 if it holds no reservation. Hosts use it to take turns at the fill.
    function reservationRank(bytes32 id, address host) external view returns (uint8) {
        uint256 r = _reserved[id][host];
        return r >> 8 == uint256(_slots[id].round) + 1 ? uint8(r) : 0;
    }

    /// @notice One read for many slots: what each needs this period, and
    /// whether markProofAsMissing(id, markPeriod) would be accepted now.
    function slotStatuses(bytes32[] calldata ids, uint256 markPeriod) external view returns (SlotStatus[] memory out) {
        out = new SlotStatus[](ids.length);
        uint256 period = _period(block.timestamp);
        for (uint256 i = 0; i < ids.length; i++) {
            out[i] = _status(ids[i], period, markPeriod);
        }
    }

    function _status(bytes32 id, uint256 period, uint256 markPeriod) private view returns (SlotStatus memory st) {
        Slot storage slot = _slots[id];
        st.state = slotState(id);
        st.host = slot.held == Held.Filled || slot.held == Held.Paid ? slot.host : address(0);
        st.missingProofs = slot.slashes;
        st.reservations = slot.reservations;
        st.pointer = _pointer(id, period);
        st.challenge = _challenge(st.pointer);
        st.proofReceived = _received[id][period];
        if (st.state != SlotState.Filled) return st;
        bool after_ = period > _period(slot.filledAt);
        bool hits = _challengeHits(slot, st.pointer);
        st.proofRequired = after_ && st.pointer >= _config.proofs.downtime && hits;
        st.willProofBeRequired = period != _period(slot.filledAt) && st.pointer < _config.proofs.downtime && hits;
        st.markable = _markable(id, slot, markPeriod);
    }

    function _markable(bytes32 id, Slot storage slot, uint256 period) private view returns (bool) {
        if (period >= _period(block.timestamp)) return false;
        uint256 end = (period + 1) * _config.proofs.period;
        if (block.timestamp >= end + _config.proofs.timeout) return false;
        if (_received[id][period] || _missing[id][period]) return false;
        return _isProofRequired(id, slot, period);
    }

    /// @notice Record the base URL where the caller serves slot data.
    function setHostUrl(string calldata url) external {
        if (bytes(url).length > MAX_URL) revert InvalidUrl();
        _hostUrls[msg.sender] = url;
        emit HostUrlSet(msg.sender, url);
    }

    function hostUrl(address host) external view returns (string memory) {
        return _hostUrls[host];
    }

    /// @notice Proofs of the current host marked as missing.
    function missingProofs(bytes32 id) external view returns (uint256) {
        return _slots[id].slashes;
    }

    /// @notice Requests a client has made, oldest first.
    function requestsOf(address client) external view returns (bytes32[] memory) {
        return _clientRequests[client];
    }

    /// @notice Slots a host has filled, oldest first (including ones it has
    /// since left: check getHost and slotState).
    function slotsOf(address host) external view returns (bytes32[] memory) {
        return _hostSlots[host];
    }

    function currentPeriod() external view returns (uint256) {
        return _period(block.timestamp);
    }

    function isProofRequired(bytes32 id) external view returns (bool) {
        return _isProofRequired(id, _slots[id], _period(block.timestamp));
    }

    /// @notice True during downtime when the challenge that follows will
    /// require a proof: a host should answer it now.
    function willProofBeRequired(bytes32 id) external view returns (bool) {
        Slot storage slot = _slots[id];
        if (slotState(id) != SlotState.Filled) return false;
        uint256 period = _period(block.timestamp);
        if (period == _period(slot.filledAt)) return false;
        uint8 pointer = _pointer(id, period);
        return pointer < _config.proofs.downtime && _challengeHits(slot, pointer);
    }

    function getChallenge(bytes32 id) external view returns (bytes32) {
        return _challenge(_pointer(id, _period(block.timestamp)));
    }

    // ---- internals ----

    function _request(bytes32 requestId) private view returns (Request storage request) {
        request = _requests[requestId];
        if (request.client == address(0)) revert UnknownRequest();
    }

    function _payEnd(bytes32 requestId) private view returns (uint256) {
        Context storage ctx = _contexts[requestId];
        Request storage request = _requests[requestId];
        RequestState state = requestState(requestId);
        if (state == RequestState.Failed) return ctx.failedAt;
        if (state == RequestState.Cancelled || state == RequestState.New) return uint256(ctx.requestedAt) + request.expiry;
        return uint256(ctx.requestedAt) + request.ask.duration;
    }

    function _earnings(Ask memory ask, uint256 filledAt, uint256 payEnd) private pure returns (uint256) {
        if (payEnd <= filledAt) return 0;
        return (payEnd - filledAt) * ask.slotSize * ask.pricePerBytePerSecond;
    }

    function _slashAmount(Ask memory ask) private view returns (uint256) {
        return (ask.collateralPerByte * ask.slotSize * _config.collateral.slashPercentage) / 100;
    }

    /// Each slash is the same amount, so what went to the client (the slash
    /// minus the validator's reward) follows from the count alone.
    function _slashedToClient(Ask memory ask, uint256 slashes) private view returns (uint256) {
        uint256 amount = _slashAmount(ask);
        return slashes * (amount - (amount * _config.collateral.validatorRewardPercentage) / 100);
    }

    /// The host loses what is left of its collateral and its earnings; both
    /// go to the client. The slot waits for another host.
    function _forciblyFree(Slot storage slot, bytes32 requestId) private {
        Ask memory ask = _requests[requestId].ask;
        Context storage ctx = _contexts[requestId];
        ctx.forfeited += slot.collateral + _slashedToClient(ask, slot.slashes);
        slot.collateral = 0;
        slot.slashes = 0;
        slot.host = address(0);
        slot.reservations = 0;
        slot.round += 1;
        ctx.slotsFilled -= 1;
        emit SlotFreed(requestId, slot.slotIndex);
        if (ctx.state == RequestState.New) {
            slot.held = Held.Free;
            return;
        }
        slot.held = Held.Repair;
        ctx.slotsFreed += 1;
        if (ctx.slotsFreed > ask.maxSlotLoss) {
            ctx.state = RequestState.Failed;
            ctx.failedAt = uint40(block.timestamp);
            emit RequestFailed(requestId);
        }
    }

    /// Cancellation happens by the clock, not by a transaction; the first
    /// transaction that settles a cancelled request announces it.
    function _noteCancelled(bytes32 requestId, Context storage ctx) private {
        if (ctx.cancelNoted) return;
        ctx.cancelNoted = true;
        emit RequestCancelled(requestId);
    }

    function _period(uint256 timestamp) private view returns (uint256) {
        return timestamp / _config.proofs.period;
    }

    /// Codex timing: the pointer walks with the block number, so the block it
    /// points at stays put for up to 256 blocks; the period and the slot id shift
    /// it, so each slot and period gets its own block. Right after the pointer
    /// wraps the challenge changes, and the first `downtime` blocks of the cycle
    /// require no proof so a host has time to answer the new one.
    function _pointer(bytes32 id, uint256 period) private view returns (uint8) {
        uint256 blockNumber = block.number % 256;
        uint256 periodNumber = (period * _config.proofs.downtimeProduct) % 256;
        uint256 idOffset = uint256(id) % 256;
        return uint8((blockNumber + periodNumber + idOffset) % 256);
    }

    function _challenge(uint8 pointer) private view returns (bytes32) {
        // On a chain younger than the pointer the block does not exist yet; the
        // pointed-at height itself (constant while the pointer walks) stands in.
        if (block.number < uint256(pointer) + 1) {
            return keccak256(abi.encode(uint256(pointer) + 1 - block.number));
        }
        return keccak256(abi.encode(blockhash(block.number - 1 - pointer)));
    }

    function _challengeHits(Slot storage slot, uint8 pointer) private view returns (bool) {
        uint256 probability = _requests[slot.requestId].ask.proofProbability;
        return uint256(_challenge(pointer)) % probability == 0;
    }

    function _isProofRequired(bytes32 id, Slot storage slot, uint256 period) private view returns (bool) {
        if (slotState(id) != SlotState.Filled) return false;
        // The fill's own proof covers the period the slot was filled in.
        if (period <= _period(slot.filledAt)) return false;
        uint8 pointer = _pointer(id, period);
        return pointer >= _config.proofs.downtime && _challengeHits(slot, pointer);
    }

    function _depth(uint256 leaves) private pure returns (uint256 d) {
        while ((uint256(1) << d) < leaves) d++;
    }

    function _verify(bytes32 id, bytes32 root, uint256 cells, Proof calldata proof) private view {
        uint256 samples = _config.proofs.samples;
        uint256 depth = _depth(cells);
        if (proof.cells.length != samples * CELL || proof.path.length != samples * depth) revert InvalidProof();
        bytes32 challenge = _challenge(_pointer(id, _period(block.timestamp)));
        for (uint256 k = 0; k < samples; k++) {
            uint256 index = uint256(keccak256(abi.encode(challenge, id, k))) % cells;
            bytes32 leaf = _leaf(proof.cells, k);
            if (_fold(leaf, index, proof.path[k * depth:(k + 1) * depth]) != root) revert InvalidProof();
        }
    }

    /// keccak256(0x00 ‖ cell k), hashed straight from calldata.
    function _leaf(bytes calldata cells, uint256 k) private pure returns (bytes32 h) {
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            mstore8(ptr, 0)
            calldatacopy(add(ptr, 1), add(cells.offset, mul(k, 256)), 256)
            h := keccak256(ptr, 257)
        }
    }

    function _fold(bytes32 leaf, uint256 index, bytes32[] calldata path) private pure returns (bytes32 h) {
        h = leaf;
        for (uint256 i = 0; i < path.length; i++) {
            bytes32 sibling = path[i];
            bool right = index & 1 == 1;
            assembly ("memory-safe") {
                let ptr := mload(0x40)
                mstore8(ptr, 1)
                switch right
                case 0 {
                    mstore(add(ptr, 1), h)
                    mstore(add(ptr, 33), sibling)
                }
                default {
                    mstore(add(ptr, 1), sibling)
                    mstore(add(ptr, 33), h)
                }
                h := keccak256(ptr, 65)
            }
            index >>= 1;
        }
    }
}
