package notify

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"strings"
	"time"

	"github.com/incidentmap/incidentmap/incident"
)

// Allow is the hosts webhooks may be posted to (--webhook-allow): host
// names, and address ranges. Every address a host resolves to must be
// public or in an allowed range: private, loopback, link-local and other
// special addresses are refused unless an admin allowed them, so a watch
// cannot make the server reach into its own network (SSRF). The check is
// made when a watch is saved, and again on every connection, on the
// address actually dialled (a name can resolve elsewhere later).
type Allow struct {
	hosts  map[string]bool
	ranges []netip.Prefix
}

// ParseAllow reads a comma-separated list of host names, addresses and
// CIDR ranges.
func ParseAllow(list string) (*Allow, error) {
	a := &Allow{hosts: map[string]bool{}}
	for _, s := range strings.Split(list, ",") {
		s = strings.ToLower(strings.TrimSpace(s))
		switch {
		case s == "":
		case strings.Contains(s, "/"):
			p, err := netip.ParsePrefix(s)
			if err != nil {
				return nil, fmt.Errorf("%q is not a CIDR range (like 10.0.0.0/8)", s)
			}
			a.ranges = append(a.ranges, p.Masked())
		default:
			if ip, err := netip.ParseAddr(s); err == nil {
				a.ranges = append(a.ranges, netip.PrefixFrom(ip.Unmap(), ip.Unmap().BitLen()))
				continue
			}
			if strings.ContainsAny(s, " :@") {
				return nil, fmt.Errorf("%q is not a host name, an address or a CIDR range", s)
			}
			a.hosts[s] = true
		}
	}
	return a, nil
}

// Empty says no host is allowed.
func (a *Allow) Empty() bool { return a == nil || len(a.hosts) == 0 && len(a.ranges) == 0 }

func (a *Allow) inRanges(ip netip.Addr) bool {
	ip = ip.Unmap()
	for _, p := range a.ranges {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// public: an address on the Internet, none of the special ones.
func public(ip netip.Addr) bool {
	ip = ip.Unmap()
	cgnat := netip.MustParsePrefix("100.64.0.0/10")
	return ip.IsGlobalUnicast() && !ip.IsPrivate() && !cgnat.Contains(ip)
}

// host checks a host (name or address) and the addresses it resolves to.
func (a *Allow) host(ctx context.Context, host string) ([]netip.Addr, error) {
	if a.Empty() {
		return nil, fmt.Errorf("this server posts webhooks to no host; an admin allows hosts with --webhook-allow")
	}
	host = strings.ToLower(strings.TrimSuffix(strings.Trim(host, "[]"), "."))
	var addrs []netip.Addr
	if ip, err := netip.ParseAddr(host); err == nil {
		if !a.inRanges(ip) {
			return nil, fmt.Errorf("%s is not an address --webhook-allow allows", host)
		}
		addrs = []netip.Addr{ip}
	} else {
		if !a.hosts[host] {
			return nil, fmt.Errorf("%s is not a host --webhook-allow allows", host)
		}
		rctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		if addrs, err = net.DefaultResolver.LookupNetIP(rctx, "ip", host); err != nil {
			return nil, fmt.Errorf("%s does not resolve: %v", host, err)
		}
	}
	for _, ip := range addrs {
		if !public(ip) && !a.inRanges(ip) {
			return nil, fmt.Errorf("%s resolves to %s, a private, loopback or special address; an admin can allow its range with --webhook-allow", host, ip)
		}
	}
	return addrs, nil
}

// CheckURL refuses a webhook URL whose host is not allowed, naming the
// field.
func (a *Allow) CheckURL(ctx context.Context, raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return incident.FieldErrorf("webhook", "not a URL")
	}
	if _, err := a.host(ctx, u.Hostname()); err != nil {
		return incident.FieldErrorf("webhook", "%s", err.Error())
	}
	return nil
}

// DialContext connects only to allowed addresses: it resolves the host
// itself, checks every address, and dials a checked one.
func (a *Allow) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, err
	}
	addrs, err := a.host(ctx, host)
	if err != nil {
		return nil, err
	}
	var d net.Dialer
	var last error
	for _, ip := range addrs {
		c, err := d.DialContext(ctx, network, net.JoinHostPort(ip.String(), port))
		if err == nil {
			return c, nil
		}
		last = err
	}
	return nil, last
}
