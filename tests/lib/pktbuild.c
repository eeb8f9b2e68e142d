// SPDX-License-Identifier: Apache-2.0
/* Packet builder and verifier for the datapath fixtures (see pktbuild.h).
 * Headers are written byte by byte at their RFC offsets, so the file needs
 * no kernel or libc protocol structs (which clash with each other). */
#include "pktbuild.h"

#include <string.h>
#include <netinet/in.h>

static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static void put32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = v >> 16;
	p[2] = v >> 8;
	p[3] = v & 0xff;
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

uint32_t pb_sum(const void *data, size_t len, uint32_t sum)
{
	const uint8_t *p = data;

	for (; len > 1; p += 2, len -= 2)
		sum += get16(p);
	if (len)
		sum += (uint32_t)p[0] << 8;
	return sum;
}

uint16_t pb_fold(uint32_t sum)
{
	while (sum >> 16)
		sum = (sum & 0xffff) + (sum >> 16);
	return (uint16_t)sum;
}

/* TCP/UDP pseudo header: addresses as stored, protocol, L4 length. */
static uint32_t pseudo_sum(const uint8_t *ip, uint8_t proto, size_t l4_len)
{
	uint32_t sum = pb_sum(ip + 12, 8, 0);

	return sum + proto + (uint32_t)l4_len;
}

static size_t l4_hdr_len(const struct pb_spec *s)
{
	switch (s->proto) {
	case IPPROTO_TCP:
		return (s->tcp_flags & PB_SYN) ? 24 : 20; /* SYN: MSS option */
	case IPPROTO_UDP:
	case IPPROTO_ICMP:
		return 8;
	default:
		return 0; /* other protocols: payload only */
	}
}

static void fill_payload(uint8_t *p, const struct pb_spec *s)
{
	for (size_t i = 0; i < s->payload; i++)
		p[i] = s->payload_data ? s->payload_data[i] : (uint8_t)(i * 31 + 7);
}

static void write_tcp(uint8_t *l4, const struct pb_spec *s, size_t hl)
{
	put16(l4, s->sport);
	put16(l4 + 2, s->dport);
	put32(l4 + 4, s->seq ? s->seq : 0x1000);
	put32(l4 + 8, (s->tcp_flags & PB_ACK) ? (s->ack ? s->ack : 0x2000) : 0);
	l4[12] = (uint8_t)(hl / 4) << 4;
	l4[13] = s->tcp_flags;
	put16(l4 + 14, 64240);
	if (hl == 24) { /* MSS 1460 */
		l4[20] = 2;
		l4[21] = 4;
		put16(l4 + 22, 1460);
	}
}

/* ICMP body after the 4-byte type/code/checksum: echo id/seq, the
 * frag-needed MTU, and for errors the quoted packet as payload. */
static size_t write_icmp(uint8_t *l4, size_t room, const struct pb_spec *s)
{
	l4[0] = s->icmp_type;
	l4[1] = s->icmp_code;
	if (s->icmp_type == PB_ICMP_ECHO || s->icmp_type == PB_ICMP_ECHOREPLY) {
		put16(l4 + 4, s->icmp_id);
		put16(l4 + 6, s->icmp_seq);
	} else if (s->icmp_type == PB_ICMP_UNREACH && s->icmp_code == PB_ICMP_FRAG_NEEDED) {
		put16(l4 + 6, s->icmp_mtu);
	}
	if (!s->inner)
		return 0;
	size_t n = pb_build_ip(l4 + 8, room - 8, s->inner);
	if (!n)
		return (size_t)-1;
	if (s->inner_quote && s->inner_quote < n)
		n = s->inner_quote;
	return n;
}

/* Options are a Router Alert (RFC 2113) padded with NOPs. */
static void write_ip_opts(uint8_t *opt, size_t words)
{
	memset(opt, 1 /* NOP */, words * 4);
	opt[0] = 0x94;
	opt[1] = 4;
	opt[2] = opt[3] = 0;
}

size_t pb_build_ip(void *buf, size_t cap, const struct pb_spec *s)
{
	size_t ihl = 20 + 4 * (size_t)(s->ip_opt_words > 10 ? 10 : s->ip_opt_words);
	uint8_t *ip = buf, *l4 = ip + ihl;
	size_t hl = l4_hdr_len(s), quote = 0, l4_len, tot;

	if (cap < ihl + hl + s->payload)
		return 0;
	memset(ip, 0, ihl + hl);
	if (ihl > 20)
		write_ip_opts(ip + 20, (ihl - 20) / 4);
	if (s->proto == IPPROTO_ICMP) {
		quote = write_icmp(l4, cap - ihl, s);
		if (quote == (size_t)-1)
			return 0;
	}
	l4_len = hl + quote + s->payload;
	tot = ihl + l4_len;
	if (tot > cap || tot > 0xffff)
		return 0;
	fill_payload(l4 + hl + quote, s);

	ip[0] = 0x40 | (s->ihl ? s->ihl & 0xf : ihl / 4);
	ip[1] = s->tos;
	put16(ip + 2, (uint16_t)tot);
	put16(ip + 4, s->ip_id ? s->ip_id : 0x1c46);
	put16(ip + 6, s->frag ? s->frag : (s->no_df ? 0 : PB_DF));
	ip[8] = s->ttl ? s->ttl : 64;
	ip[9] = s->proto;
	memcpy(ip + 12, &s->saddr, 4);
	memcpy(ip + 16, &s->daddr, 4);
	put16(ip + 10, (uint16_t)~pb_fold(pb_sum(ip, ihl, 0)));

	switch (s->proto) {
	case IPPROTO_TCP:
		write_tcp(l4, s, hl);
		put16(l4 + 16, (uint16_t)~pb_fold(pb_sum(l4, l4_len,
						       pseudo_sum(ip, s->proto, l4_len))));
		break;
	case IPPROTO_UDP: {
		uint16_t c;

		put16(l4, s->sport);
		put16(l4 + 2, s->dport);
		put16(l4 + 4, (uint16_t)l4_len);
		c = (uint16_t)~pb_fold(pb_sum(l4, l4_len, pseudo_sum(ip, s->proto, l4_len)));
		if (s->udp_nocsum)
			c = 0;
		else if (!c)
			c = 0xffff; /* RFC 768: a computed 0 is sent as all ones */
		put16(l4 + 6, c);
		break;
	}
	case IPPROTO_ICMP:
		put16(l4 + 2, (uint16_t)~pb_fold(pb_sum(l4, l4_len, 0)));
		break;
	}
	return tot;
}

static void write_eth(uint8_t *f, const uint8_t *dmac, const uint8_t *smac, uint16_t type)
{
	memcpy(f, dmac, 6);
	memcpy(f + 6, smac, 6);
	put16(f + 12, type);
}

size_t pb_build(void *buf, size_t cap, const struct pb_spec *s)
{
	size_t l2 = PB_ETH_HLEN + (s->vlan ? 4 : 0), n;
	uint8_t *f = buf;

	if (cap < l2)
		return 0;
	n = pb_build_ip(f + l2, cap - l2, s);
	if (!n)
		return 0;
	if (s->vlan) {
		write_eth(f, s->dmac, s->smac, PB_ETH_8021Q);
		put16(f + 14, s->vlan & 0xfff);
		put16(f + 16, PB_ETH_IP);
	} else {
		write_eth(f, s->dmac, s->smac, PB_ETH_IP);
	}
	n += l2;
	if (s->truncate && s->truncate < n) {
		n = s->truncate;
		uint8_t *ip = f + l2;
		size_t ihl = (size_t)(ip[0] & 0xf) * 4;

		if (s->truncate_fix_len && n >= l2 + ihl) {
			put16(ip + 2, (uint16_t)(n - l2));
			put16(ip + 10, 0);
			put16(ip + 10, (uint16_t)~pb_fold(pb_sum(ip, ihl, 0)));
		}
	}
	if (s->ip_tot_len) {
		uint8_t *ip = f + l2;
		size_t ihl = (size_t)(ip[0] & 0xf) * 4;

		put16(ip + 2, s->ip_tot_len);
		put16(ip + 10, 0);
		put16(ip + 10, (uint16_t)~pb_fold(pb_sum(ip, ihl, 0)));
	}
	return n;
}

size_t pb_build_arp(void *buf, size_t cap, const struct pb_arp_spec *a)
{
	uint8_t *f = buf, *arp = f + PB_ETH_HLEN;
	const size_t n = PB_ETH_HLEN + 28;

	if (cap < n)
		return 0;
	write_eth(f, a->dmac, a->smac, PB_ETH_ARP);
	put16(arp, 1);          /* Ethernet */
	put16(arp + 2, PB_ETH_IP);
	arp[4] = 6;
	arp[5] = 4;
	put16(arp + 6, a->op);
	memcpy(arp + 8, a->sha, 6);
	memcpy(arp + 14, &a->spa, 4);
	memcpy(arp + 18, a->tha, 6);
	memcpy(arp + 24, &a->tpa, 4);
	return n;
}

size_t pb_build_ipv6_udp(void *buf, size_t cap, const uint8_t smac[6],
			 const uint8_t dmac[6], uint16_t sport, uint16_t dport,
			 uint16_t payload)
{
	uint8_t *f = buf, *ip6 = f + PB_ETH_HLEN, *udp = ip6 + 40;
	size_t l4_len = 8 + (size_t)payload, n = PB_ETH_HLEN + 40 + l4_len;
	uint32_t sum;

	if (cap < n)
		return 0;
	memset(ip6, 0, 40 + 8);
	write_eth(f, dmac, smac, PB_ETH_IPV6);
	ip6[0] = 0x60;
	put16(ip6 + 4, (uint16_t)l4_len);
	ip6[6] = IPPROTO_UDP;
	ip6[7] = 64;
	ip6[8] = 0xfd;  /* fd00::1 */
	ip6[23] = 1;
	ip6[24] = 0xfd; /* fd00::2 */
	ip6[39] = 2;
	put16(udp, sport);
	put16(udp + 2, dport);
	put16(udp + 4, (uint16_t)l4_len);
	for (size_t i = 0; i < payload; i++)
		udp[8 + i] = (uint8_t)(i * 31 + 7);
	sum = pb_sum(ip6 + 8, 32, 0) + (uint32_t)l4_len + IPPROTO_UDP;
	put16(udp + 6, (uint16_t)~pb_fold(pb_sum(udp, l4_len, sum)) ?: 0xffff);
	return n;
}

int pb_parse_ip(const void *ipv, size_t len, struct pb_view *v)
{
	const uint8_t *ip = ipv, *l4;

	memset(v, 0, sizeof(*v));
	if (len < 20 || ip[0] >> 4 != 4)
		return -1;
	v->ip = ip;
	v->ihl = (ip[0] & 0xf) * 4;
	v->tos = ip[1];
	v->tot_len = get16(ip + 2);
	v->ip_id = get16(ip + 4);
	v->frag = get16(ip + 6);
	v->ttl = ip[8];
	v->proto = ip[9];
	v->ip_csum = get16(ip + 10);
	memcpy(&v->saddr, ip + 12, 4);
	memcpy(&v->daddr, ip + 16, 4);
	if (v->ihl < 20 || v->tot_len < v->ihl || v->tot_len > len)
		return -1;
	l4 = ip + v->ihl;
	v->l4 = l4;
	v->l4_len = v->tot_len - v->ihl;
	switch (v->proto) {
	case IPPROTO_TCP:
		if (v->l4_len < 20)
			return -1;
		v->sport = get16(l4);
		v->dport = get16(l4 + 2);
		v->tcp_flags = l4[13];
		v->l4_csum = get16(l4 + 16);
		return 0;
	case IPPROTO_UDP:
		if (v->l4_len < 8)
			return -1;
		v->sport = get16(l4);
		v->dport = get16(l4 + 2);
		v->l4_csum = get16(l4 + 6);
		return 0;
	case IPPROTO_ICMP:
		if (v->l4_len < 8)
			return -1;
		v->icmp_type = l4[0];
		v->icmp_code = l4[1];
		v->icmp_id = get16(l4 + 4);
		v->l4_csum = get16(l4 + 2);
		return 0;
	default:
		return -1;
	}
}

int pb_parse(const void *frame, size_t len, struct pb_view *v)
{
	const uint8_t *f = frame;

	if (len < PB_ETH_HLEN || get16(f + 12) != PB_ETH_IP)
		return -1;
	return pb_parse_ip(f + PB_ETH_HLEN, len - PB_ETH_HLEN, v);
}

bool pb_ip_csum_ok(const struct pb_view *v)
{
	return pb_fold(pb_sum(v->ip, v->ihl, 0)) == 0xffff;
}

/* Sum over the L4 message (pseudo header included for TCP/UDP), with the
 * stored checksum field counted as-is. */
static uint32_t l4_sum(const struct pb_view *v)
{
	uint32_t sum = 0;

	if (v->proto != IPPROTO_ICMP)
		sum = pseudo_sum(v->ip, v->proto, v->l4_len);
	return pb_sum(v->l4, v->l4_len, sum);
}

bool pb_l4_csum_ok(const struct pb_view *v)
{
	if (v->proto == IPPROTO_UDP && v->l4_csum == 0)
		return false;
	return pb_fold(l4_sum(v)) == 0xffff;
}

uint16_t pb_l4_csum_calc(const struct pb_view *v)
{
	/* Remove the stored field from the sum, then invert. */
	uint32_t sum = l4_sum(v) + (uint16_t)~v->l4_csum;
	uint16_t c = (uint16_t)~pb_fold(sum);

	return (v->proto == IPPROTO_UDP && c == 0) ? 0xffff : c;
}
