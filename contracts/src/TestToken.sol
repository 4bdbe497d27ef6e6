// SPDX-License-Identifier: MIT
pragma solidity 0.8.34;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @notice The ERC20 slotd's tests and demo pay with; anyone may mint.
contract TestToken is ERC20 {
    constructor() ERC20("slotd test token", "SLOT") {}

    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }
}
