package contracts

// Regenerate the ABI/BIN (pinned solc from package.json, `npm ci` first) and
// the abigen v2 bindings. CI runs this and fails if anything changes.
//go:generate node compile.js
//go:generate go tool abigen --v2 --abi build/Marketplace.abi --bin build/Marketplace.bin --pkg bindings --type Marketplace --out bindings/marketplace.go
//go:generate go tool abigen --v2 --abi build/TestToken.abi --bin build/TestToken.bin --pkg bindings --type TestToken --out bindings/testtoken.go
