package transfer

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"syscall"
	"time"
)

// ErrPrivateAddress: a provider URL (or a redirect it sent) leads to a
// loopback, private, link-local or otherwise non-public address, which a
// host does not fetch from unless Options.AllowPrivate is set. Provider
// URLs come from strangers' requests; without this a request could make a
// host query its own admin ports or its network's internal services.
var ErrPrivateAddress = errors.New("provider address is not public")

// maxRedirects bounds the redirects one provider request follows.
const maxRedirects = 3

// nonPublic lists the IPv4 ranges that are neither private nor loopback by
// netip's reckoning yet reach no public host.
var nonPublic = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),      // "this network"
	netip.MustParsePrefix("100.64.0.0/10"),  // carrier-grade NAT
	netip.MustParsePrefix("192.0.0.0/24"),   // IETF protocol assignments
	netip.MustParsePrefix("198.18.0.0/15"),  // benchmarking
	netip.MustParsePrefix("240.0.0.0/4"),    // reserved, and broadcast
	netip.MustParsePrefix("64:ff9b:1::/48"), // local-use NAT64
	netip.MustParsePrefix("2001:db8::/32"),  // documentation
	netip.MustParsePrefix("fec0::/10"),      // deprecated site-local
	netip.MustParsePrefix("::ffff:0:0/96"),  // mapped IPv4 is checked unmapped
	netip.MustParsePrefix("2002::/16"),      // 6to4 embeds any IPv4, private ones too
	netip.MustParsePrefix("64:ff9b::/96"),   // NAT64 embeds any IPv4
	netip.MustParsePrefix("2001::/32"),      // Teredo embeds any IPv4
	netip.MustParsePrefix("100::/64"),       // discard-only
	netip.MustParsePrefix("ff00::/8"),       // multicast
	netip.MustParsePrefix("169.254.0.0/16"), // link-local, cloud metadata
	netip.MustParsePrefix("255.255.255.255/32"),
}

// IsPublicAddr reports whether a is a public unicast address a host may
// fetch provider data from by default.
func IsPublicAddr(a netip.Addr) bool {
	a = a.Unmap()
	if !a.IsValid() || !a.IsGlobalUnicast() || a.IsPrivate() || a.IsLoopback() ||
		a.IsLinkLocalUnicast() || a.IsMulticast() || a.IsUnspecified() {
		return false
	}
	for _, p := range nonPublic {
		if p.Contains(a) {
			return false
		}
	}
	return true
}

// publicPort is the default dial policy: public addresses only.
func publicPort(ap netip.AddrPort) bool { return IsPublicAddr(ap.Addr()) }

// dialPolicy makes a net.Dialer Control func from allowed. It runs after
// name resolution, on the address actually dialled, so a name that
// resolves (or rebinds) to a private address is refused as surely as a
// literal one.
func dialPolicy(allowed func(netip.AddrPort) bool) func(network, address string, _ syscall.RawConn) error {
	return func(network, address string, _ syscall.RawConn) error {
		ap, err := netip.ParseAddrPort(address)
		if err != nil {
			return fmt.Errorf("%w: %s: %v", ErrPrivateAddress, address, err)
		}
		if !allowed(ap) {
			return fmt.Errorf("%w: %s (set --allow-private-providers to fetch from it)", ErrPrivateAddress, ap.Addr())
		}
		return nil
	}
}

// newClient is the downloader's default HTTP client: a keep-alive pool
// sized for parallel ranges and a bound on redirects. With a policy
// (allowed not nil) every dial, redirects' included, must pass it, and no
// proxy from the environment is used (the check would see the proxy's
// address, not the provider's).
func newClient(allowed func(netip.AddrPort) bool) *http.Client {
	t := http.DefaultTransport.(*http.Transport).Clone()
	t.MaxIdleConnsPerHost = 64
	t.ResponseHeaderTimeout = 30 * time.Second
	dialer := &net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}
	if allowed != nil {
		dialer.Control = dialPolicy(allowed)
		t.Proxy = nil
	}
	t.DialContext = dialer.DialContext
	return &http.Client{Transport: t, CheckRedirect: func(req *http.Request, via []*http.Request) error {
		if len(via) >= maxRedirects {
			return fmt.Errorf("%w: more than %d redirects", errNotHeld, maxRedirects)
		}
		return nil
	}}
}
