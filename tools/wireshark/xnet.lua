-- SPDX-License-Identifier: GPL-2.0
--
-- xnet.lua: a Wireshark/tshark dissector for xnet (EtherType 0x88B5),
-- the wire protocol of docs/PROTOCOL.md, for Wireshark 4.0 (Debian 12)
-- and later (Lua 5.2 to 5.4: only the BitOp library, no Lua 5.3
-- operators).
--
--   tshark -X lua_script:tools/wireshark/xnet.lua -r capture.pcap
--   or copy it to ~/.local/lib/wireshark/plugins/ (Wireshark and tshark
--   then load it themselves).
--
-- What it shows (display filters xnet.*):
--   - the common header of every frame: xnet.version, xnet.type,
--     xnet.len, xnet.src, xnet.dst (and xnet.addr, either), xnet.srcport,
--     xnet.dstport (and xnet.port), xnet.crc with xnet.crc.status
--     (0 bad, 1 good, 2 unverified) and xnet.crc.calculated,
--     xnet.hoplimit, xnet.reserved; version 1 frames (20-byte header)
--     are shown as such;
--   - the CRC-32C (Castagnoli) recomputed over the xnet packet with the
--     checksum field taken as zero: "[correct]" or "[incorrect, should
--     be ...]", an expert error (checksum group) when wrong. A frame
--     whose checksum is 0 and does not match is a large frame handed
--     over in memory (a capture on a veth or bridge: docs/PROTOCOL.md,
--     "Large frames inside one host"): "unverified", an expert note;
--   - datagrams (xnet.data), neighbour queries and answers
--     (xnet.neigh.*, with the net.xnet.secure=2 trailer), stream and
--     seqpacket segments (xnet.seq, xnet.ack, xnet.wnd, xnet.flags and
--     xnet.flags.syn/ack/fin/rst/eor, xnet.nsack, xnet.sack.left/right,
--     the SYN's xnet.mss, xnet.seg.len, xnet.nxtseq), error reports
--     (xnet.err.*, and the quoted frame's header as xnet.quote.*), sealed
--     frames (xnet.seal.*: the clear seal header; the rest is
--     ciphertext and tag) and handshakes (xnet.hs.*: every field is
--     clear; only the MAC proves anything);
--   - conversations: xnet.stream numbers each conversation of
--     datagrams, streams and seqpackets (type, addresses and ports; a
--     new SYN with another initial sequence number starts a new one),
--     sealed frames counted in the conversation of their inner type.
--     "xnet.stream == N" filters one;
--   - xnet.analysis.retransmission (and an expert note) on a segment
--     whose sequence numbers were already seen in that direction of its
--     connection; chat notes for SYN, FIN and RST.
--
-- Statistics and Follow Stream: Wireshark 4.0's Lua API has no way to
-- add a tab to Statistics > Conversations nor a protocol to Analyze >
-- Follow (both are C-only registrations there). The equivalents here:
--   tshark -z xnet,conv        a table of the conversations (frames and
--                              bytes each way), at the end of the run;
--   tshark -z xnet,follow,N    the payload of stream N each way, in
--                              sequence order, retransmissions once,
--                              as hex and printable text;
--   and in Wireshark, Statistics > Conversation List > xnet and
--   Tools > xnet > Follow Stream (asks for N), in text windows.

local xnet = Proto("xnet", "xnet Protocol")

local band, bor, bxor, rshift, lshift, bnot =
	bit.band, bit.bor, bit.bxor, bit.rshift, bit.lshift, bit.bnot

local T_DGRAM, T_NQUERY, T_NANSWER, T_STREAM, T_SEQPACKET, T_ERROR,
	T_SEALED, T_HANDSHAKE = 1, 2, 3, 4, 5, 6, 7, 8
local HLEN, HLEN_V1, SEGHLEN = 24, 20, 16
local SEAL_HLEN, SEAL_TAGLEN, HS_LEN = 16, 16, 104
local NEIGH_TRAILER = 32

local type_names = {
	[1] = "DGRAM", [2] = "NEIGH_QUERY", [3] = "NEIGH_ANSWER",
	[4] = "STREAM", [5] = "SEQPACKET", [6] = "ERROR",
	[7] = "SEALED", [8] = "HANDSHAKE",
}
local crc_status_names = { [0] = "Bad", [1] = "Good", [2] = "Unverified" }
local err_type_names = {
	[1] = "Unreachable", [2] = "Hop limit exceeded",
	[3] = "Frame too big",
}
local unreach_code_names = {
	[0] = "No route", [1] = "Neighbour did not answer",
	[2] = "No socket on that port",
	[3] = "Not addressed to this node, which does not forward",
}
local hs_kind_names = { [1] = "INIT", [2] = "RESP", [3] = "CONFIRM" }
local hs_alg_names = { [1] = "AES-256-GCM", [2] = "ChaCha20-Poly1305" }

local F = {
	version = ProtoField.uint8("xnet.version", "Version", base.DEC),
	type = ProtoField.uint8("xnet.type", "Type", base.DEC, type_names),
	len = ProtoField.uint16("xnet.len", "Length", base.DEC),
	src = ProtoField.ipv4("xnet.src", "Source Address"),
	dst = ProtoField.ipv4("xnet.dst", "Destination Address"),
	addr = ProtoField.ipv4("xnet.addr", "Source or Destination Address"),
	srcport = ProtoField.uint16("xnet.srcport", "Source Port", base.DEC),
	dstport = ProtoField.uint16("xnet.dstport", "Destination Port",
				    base.DEC),
	port = ProtoField.uint16("xnet.port", "Source or Destination Port",
				 base.DEC),
	crc = ProtoField.uint32("xnet.crc", "Checksum (CRC-32C)", base.HEX),
	crc_status = ProtoField.uint8("xnet.crc.status", "Checksum Status",
				      base.DEC, crc_status_names),
	crc_calc = ProtoField.uint32("xnet.crc.calculated",
				     "Calculated Checksum", base.HEX),
	hoplimit = ProtoField.uint8("xnet.hoplimit", "Hop Limit", base.DEC),
	reserved = ProtoField.bytes("xnet.reserved", "Reserved"),
	stream = ProtoField.uint32("xnet.stream", "Stream index", base.DEC),
	data = ProtoField.bytes("xnet.data", "Data"),
	padding = ProtoField.bytes("xnet.padding", "Bytes past the length"),

	neigh_target = ProtoField.ipv4("xnet.neigh.target", "Target Address"),
	neigh_querier = ProtoField.ipv4("xnet.neigh.querier",
					"Querier Address"),
	neigh_ts = ProtoField.uint64("xnet.neigh.timestamp",
				     "Trailer Timestamp (ns)", base.DEC),
	neigh_fpr = ProtoField.bytes("xnet.neigh.fingerprint",
				     "Trailer Key Fingerprint"),
	neigh_mac = ProtoField.bytes("xnet.neigh.mac", "Trailer MAC"),

	seq = ProtoField.uint32("xnet.seq", "Sequence Number", base.DEC),
	ack = ProtoField.uint32("xnet.ack", "Acknowledgment Number", base.DEC),
	wnd = ProtoField.uint32("xnet.wnd", "Receive Window", base.DEC),
	flags = ProtoField.uint16("xnet.flags", "Flags", base.HEX),
	f_syn = ProtoField.bool("xnet.flags.syn", "SYN", 16, nil, 0x0001),
	f_ack = ProtoField.bool("xnet.flags.ack", "ACK", 16, nil, 0x0002),
	f_fin = ProtoField.bool("xnet.flags.fin", "FIN", 16, nil, 0x0004),
	f_rst = ProtoField.bool("xnet.flags.rst", "RST", 16, nil, 0x0008),
	f_eor = ProtoField.bool("xnet.flags.eor", "EOR (end of record)", 16,
				nil, 0x0010),
	f_resv = ProtoField.uint16("xnet.flags.reserved", "Reserved flags",
				   base.HEX, nil, 0xffe0),
	nsack = ProtoField.uint8("xnet.nsack", "SACK blocks", base.DEC),
	seg_resv = ProtoField.uint8("xnet.seg.reserved", "Reserved", base.HEX),
	sack = ProtoField.bytes("xnet.sack", "SACK block"),
	sack_left = ProtoField.uint32("xnet.sack.left", "Left edge (start)",
				      base.DEC),
	sack_right = ProtoField.uint32("xnet.sack.right", "Right edge (end)",
				       base.DEC),
	mss = ProtoField.uint16("xnet.mss", "MSS option", base.DEC),
	mss_pad = ProtoField.uint16("xnet.mss.pad", "MSS option padding",
				    base.HEX),
	seglen = ProtoField.uint32("xnet.seg.len", "Segment payload length",
				   base.DEC),
	nxtseq = ProtoField.uint32("xnet.nxtseq", "Next Sequence Number",
				   base.DEC),
	retrans = ProtoField.none("xnet.analysis.retransmission",
				  "This segment is a retransmission"),

	err_type = ProtoField.uint8("xnet.err.type", "Error Type", base.DEC,
				    err_type_names),
	err_code = ProtoField.uint8("xnet.err.code", "Error Code", base.DEC),
	err_resv = ProtoField.uint16("xnet.err.reserved", "Reserved", base.HEX),
	err_info = ProtoField.uint32("xnet.err.info", "Info", base.DEC),
	err_mtu = ProtoField.uint32("xnet.err.mtu", "Next-hop MTU", base.DEC),
	quote = ProtoField.bytes("xnet.quote", "Quoted frame"),
	q_version = ProtoField.uint8("xnet.quote.version", "Version", base.DEC),
	q_type = ProtoField.uint8("xnet.quote.type", "Type", base.DEC,
				  type_names),
	q_len = ProtoField.uint16("xnet.quote.len", "Length", base.DEC),
	q_src = ProtoField.ipv4("xnet.quote.src", "Source Address"),
	q_dst = ProtoField.ipv4("xnet.quote.dst", "Destination Address"),
	q_srcport = ProtoField.uint16("xnet.quote.srcport", "Source Port",
				      base.DEC),
	q_dstport = ProtoField.uint16("xnet.quote.dstport",
				      "Destination Port", base.DEC),
	q_crc = ProtoField.uint32("xnet.quote.crc", "Checksum", base.HEX),
	q_hoplimit = ProtoField.uint8("xnet.quote.hoplimit", "Hop Limit",
				      base.DEC),
	q_seq = ProtoField.uint32("xnet.quote.seq", "Sequence Number",
				  base.DEC),
	q_ack = ProtoField.uint32("xnet.quote.ack", "Acknowledgment Number",
				  base.DEC),
	q_flags = ProtoField.uint16("xnet.quote.flags", "Flags", base.HEX),

	seal_inner = ProtoField.uint8("xnet.seal.inner_type", "Inner Type",
				      base.DEC, type_names),
	seal_flags = ProtoField.uint8("xnet.seal.flags", "Seal Flags",
				      base.HEX),
	seal_resv = ProtoField.uint16("xnet.seal.reserved", "Reserved",
				      base.HEX),
	seal_index = ProtoField.uint32("xnet.seal.index",
				       "Receiver's Session Index", base.HEX),
	seal_counter = ProtoField.uint64("xnet.seal.counter",
					 "Counter (nonce)", base.DEC),
	seal_ct = ProtoField.bytes("xnet.seal.ciphertext",
				   "Encrypted inner payload"),
	seal_ctlen = ProtoField.uint32("xnet.seal.ciphertext_len",
				       "Encrypted payload length", base.DEC),
	seal_tag = ProtoField.bytes("xnet.seal.tag", "AEAD Tag"),

	hs_kind = ProtoField.uint8("xnet.hs.kind", "Kind", base.DEC,
				   hs_kind_names),
	hs_alg = ProtoField.uint8("xnet.hs.alg", "AEAD", base.DEC,
				  hs_alg_names),
	hs_resv = ProtoField.uint16("xnet.hs.reserved", "Reserved", base.HEX),
	hs_sender = ProtoField.uint32("xnet.hs.sender",
				      "Sender's Session Index", base.HEX),
	hs_receiver = ProtoField.uint32("xnet.hs.receiver",
					"Receiver's Session Index", base.HEX),
	hs_fpr = ProtoField.bytes("xnet.hs.fingerprint", "Key Fingerprint"),
	hs_resv2 = ProtoField.uint32("xnet.hs.reserved2", "Reserved",
				     base.HEX),
	hs_ts = ProtoField.uint64("xnet.hs.timestamp", "Timestamp (ns)",
				  base.DEC),
	hs_random = ProtoField.bytes("xnet.hs.random", "Random"),
	hs_mac = ProtoField.bytes("xnet.hs.mac", "MAC (HMAC-SHA256, 16 bytes)"),
}

local flist = {}
for _, f in pairs(F) do
	flist[#flist + 1] = f
end
xnet.fields = flist

local E = {
	bad_crc = ProtoExpert.new("xnet.crc.bad", "Bad checksum",
				  expert.group.CHECKSUM, expert.severity.ERROR),
	crc_unverified = ProtoExpert.new("xnet.crc.unverified",
		"Checksum not computed: a large frame handed over in memory",
		expert.group.CHECKSUM, expert.severity.NOTE),
	bad_len = ProtoExpert.new("xnet.len.bad", "Bad length",
				  expert.group.MALFORMED, expert.severity.ERROR),
	short = ProtoExpert.new("xnet.short", "Frame shorter than its header",
				expert.group.MALFORMED, expert.severity.ERROR),
	bad_version = ProtoExpert.new("xnet.version.unknown",
		"Version not spoken by this xnet (2)",
		expert.group.PROTOCOL, expert.severity.WARN),
	unknown_type = ProtoExpert.new("xnet.type.unknown", "Unknown type",
				       expert.group.PROTOCOL,
				       expert.severity.WARN),
	bad_field = ProtoExpert.new("xnet.field.bad",
		"Field value the protocol does not allow",
		expert.group.PROTOCOL, expert.severity.WARN),
	retrans = ProtoExpert.new("xnet.analysis.retransmission.expert",
		"This frame is a (suspected) retransmission",
		expert.group.SEQUENCE, expert.severity.NOTE),
	syn = ProtoExpert.new("xnet.flags.syn.chat",
		"Connection establish request (SYN)",
		expert.group.SEQUENCE, expert.severity.CHAT),
	synack = ProtoExpert.new("xnet.flags.synack.chat",
		"Connection establish acknowledge (SYN+ACK)",
		expert.group.SEQUENCE, expert.severity.CHAT),
	fin = ProtoExpert.new("xnet.flags.fin.chat",
		"Connection finish (FIN)",
		expert.group.SEQUENCE, expert.severity.CHAT),
	rst = ProtoExpert.new("xnet.flags.rst.chat",
		"Connection reset (RST)",
		expert.group.SEQUENCE, expert.severity.CHAT),
}
xnet.experts = {
	E.bad_crc, E.crc_unverified, E.bad_len, E.short, E.bad_version,
	E.unknown_type, E.bad_field, E.retrans, E.syn, E.synack, E.fin, E.rst,
}

-- CRC-32C (Castagnoli, reflected polynomial 0x82F63B78), table-driven.
-- Values are kept as BitOp's signed 32-bit numbers until the end.
local CRC_T = {}
for i = 0, 255 do
	local c = i
	for _ = 1, 8 do
		if band(c, 1) ~= 0 then
			c = bxor(rshift(c, 1), 0x82F63B78)
		else
			c = rshift(c, 1)
		end
	end
	CRC_T[i] = c
end

local function crc_update(crc, s, i, j)
	while i <= j do
		local k = math.min(j, i + 2047)
		local b = { s:byte(i, k) }
		for n = 1, #b do
			crc = bxor(CRC_T[band(bxor(crc, b[n]), 0xff)],
				   rshift(crc, 8))
		end
		i = k + 1
	end
	return crc
end

local function u32(x)
	return x % 4294967296
end

-- The frame's CRC: over its @len bytes with bytes 16..19 as zero.
local function xnet_crc(s, len)
	local crc = crc_update(-1, s, 1, 16)
	crc = crc_update(crc, "\0\0\0\0", 1, 4)
	crc = crc_update(crc, s, 21, len)
	return u32(bnot(crc))
end

-- Sequence space arithmetic, modulo 2^32.
local function seq_lt(a, b)
	local d = (a - b) % 4294967296
	return d >= 2147483648
end

local function hex8(n)
	return string.format("0x%08x", n)
end

-- Per capture state, rebuilt on every new file (xnet.init):
--   conv[key]      = { index, isn, a (endpoint string of its first
--                     sender), dirs = { [endpoint] = { max_end } } }
--   frames[number] = { stream, retrans }: what the first pass found,
--                     reused when a frame is dissected again.
local conv, frames, nstreams

local function reset()
	conv, frames, nstreams = {}, {}, 0
end
xnet.init = reset
reset()

local function ep(addr, port)
	return addr .. ":" .. port
end

-- Stream index and retransmission of one frame (first pass only).
local function analyse(pinfo, ctype, src, sport, dst, dport, seg)
	local r = frames[pinfo.number]
	if r then
		return r
	end
	r = {}
	local a, b = ep(src, sport), ep(dst, dport)
	local key
	if a < b then
		key = ctype .. "|" .. a .. "|" .. b
	else
		key = ctype .. "|" .. b .. "|" .. a
	end
	local c = conv[key]
	-- a new SYN (no ACK) with another initial sequence number: a new
	-- connection on the same addresses and ports
	if c and seg and seg.syn and not seg.ack and c.isn and
	   c.isn ~= seg.seq then
		c = nil
	end
	if not c then
		c = { index = nstreams, a = a, dirs = {} }
		nstreams = nstreams + 1
		conv[key] = c
		if seg and seg.syn and not seg.ack then
			c.isn = seg.seq
		end
	end
	r.stream = c.index
	if seg and seg.seqlen > 0 then
		local d = c.dirs[a]
		if not d then
			d = {}
			c.dirs[a] = d
		end
		local e = (seg.seq + seg.seqlen) % 4294967296
		if d.max_end and seq_lt(seg.seq, d.max_end) then
			r.retrans = true
		end
		if not d.max_end or seq_lt(d.max_end, e) then
			d.max_end = e
		end
	end
	frames[pinfo.number] = r
	return r
end

local function add_stream(t, r)
	t:add(F.stream, r.stream):set_generated()
end

-- Stream and seqpacket segments: @off is the segment header's offset,
-- @pend the end of the xnet packet (its length field).
local function dissect_segment(tvb, pinfo, t, off, pend, hdr, info)
	if pend - off < SEGHLEN then
		t:add_proto_expert_info(E.bad_len,
			"Shorter than the segment header (16 bytes)")
		return info
	end
	local seq, ack = tvb(off, 4):uint(), tvb(off + 4, 4):uint()
	local wnd, flags = tvb(off + 8, 4):uint(), tvb(off + 12, 2):uint()
	local nsack = tvb(off + 14, 1):uint()
	t:add(F.seq, tvb(off, 4))
	local acki = t:add(F.ack, tvb(off + 4, 4))
	t:add(F.wnd, tvb(off + 8, 4))
	local names = {}
	local fl = t:add(F.flags, tvb(off + 12, 2))
	fl:add(F.f_resv, tvb(off + 12, 2))
	fl:add(F.f_eor, tvb(off + 12, 2))
	fl:add(F.f_rst, tvb(off + 12, 2))
	fl:add(F.f_fin, tvb(off + 12, 2))
	fl:add(F.f_ack, tvb(off + 12, 2))
	fl:add(F.f_syn, tvb(off + 12, 2))
	local syn = band(flags, 0x01) ~= 0
	local fack = band(flags, 0x02) ~= 0
	local fin = band(flags, 0x04) ~= 0
	local rst = band(flags, 0x08) ~= 0
	local eor = band(flags, 0x10) ~= 0
	if syn then names[#names + 1] = "SYN" end
	if fack then names[#names + 1] = "ACK" end
	if fin then names[#names + 1] = "FIN" end
	if rst then names[#names + 1] = "RST" end
	if eor then names[#names + 1] = "EOR" end
	fl:append_text(" (" .. table.concat(names, ", ") .. ")")
	if band(flags, 0xffe0) ~= 0 or
	   (syn and (fin or rst or eor)) then
		fl:add_proto_expert_info(E.bad_field,
			"Reserved flags set, or SYN with FIN, RST or EOR")
	end
	if not fack then
		acki:append_text(" (not valid: no ACK flag)")
	end
	local nsi = t:add(F.nsack, tvb(off + 14, 1))
	local resv = t:add(F.seg_resv, tvb(off + 15, 1))
	if tvb(off + 15, 1):uint() ~= 0 then
		resv:add_proto_expert_info(E.bad_field, "Reserved byte not zero")
	end
	if nsack > 4 then
		nsi:add_proto_expert_info(E.bad_field, "More than 4 SACK blocks")
	end
	local p = off + SEGHLEN
	local sacks = {}
	for _ = 1, nsack do
		if pend - p < 8 then
			t:add_proto_expert_info(E.bad_len,
				"SACK blocks past the frame's length")
			return info
		end
		local si = t:add(F.sack, tvb(p, 8))
		si:set_text(string.format("SACK block: %d-%d",
					  tvb(p, 4):uint(), tvb(p + 4, 4):uint()))
		si:add(F.sack_left, tvb(p, 4))
		si:add(F.sack_right, tvb(p + 4, 4))
		sacks[#sacks + 1] = tvb(p, 4):uint() .. "-" ..
			tvb(p + 4, 4):uint()
		p = p + 8
	end
	local mss
	if syn then
		-- 4 bytes of options, no sequence number of their own
		if pend - p ~= 4 then
			t:add_proto_expert_info(E.bad_field,
				"A SYN carries exactly 4 bytes of options")
		end
		if pend - p >= 4 then
			mss = tvb(p, 2):uint()
			t:add(F.mss, tvb(p, 2))
			t:add(F.mss_pad, tvb(p + 2, 2))
			p = p + 4
		end
	end
	local plen = pend - p
	local seqlen = plen
	t:add(F.seglen, plen):set_generated()
	if syn then seqlen = seqlen + 1 end
	if fin then seqlen = seqlen + 1 end
	if seqlen > 0 then
		t:add(F.nxtseq, (seq + seqlen) % 4294967296):set_generated()
	end
	if plen > 0 then
		t:add(F.data, tvb(p, plen))
	end
	if hdr then
		local r = analyse(pinfo, hdr.type, hdr.src, hdr.sport, hdr.dst,
				  hdr.dport, { seq = seq, ack = fack, syn = syn,
				  seqlen = seqlen })
		add_stream(t, r)
		if r.retrans then
			local ri = t:add(F.retrans)
			ri:set_generated()
			ri:add_proto_expert_info(E.retrans)
			info = "[Retransmission] " .. info
		end
		if syn and fack then
			t:add_proto_expert_info(E.synack)
		elseif syn then
			t:add_proto_expert_info(E.syn)
		end
		if fin then t:add_proto_expert_info(E.fin) end
		if rst then t:add_proto_expert_info(E.rst) end
	end
	info = info .. " [" .. table.concat(names, ", ") .. "] Seq=" .. seq
	if fack then info = info .. " Ack=" .. ack end
	info = info .. " Win=" .. wnd .. " Len=" .. plen
	if mss then info = info .. " MSS=" .. mss end
	if #sacks > 0 then info = info .. " SACK=" .. table.concat(sacks, ",") end
	return info
end

-- The header of the frame an error report quotes (possibly cut short).
local function dissect_quote(tvb, t, off, pend)
	local q = t:add(F.quote, tvb(off, pend - off))
	q:set_text("Quoted frame (" .. (pend - off) .. " bytes)")
	local n = pend - off
	if n < HLEN_V1 then
		return ""
	end
	q:add(F.q_version, tvb(off, 1))
	q:add(F.q_type, tvb(off + 1, 1))
	q:add(F.q_len, tvb(off + 2, 2))
	q:add(F.q_src, tvb(off + 4, 4))
	q:add(F.q_dst, tvb(off + 8, 4))
	q:add(F.q_srcport, tvb(off + 12, 2))
	q:add(F.q_dstport, tvb(off + 14, 2))
	q:add(F.q_crc, tvb(off + 16, 4))
	local qtype = tvb(off + 1, 1):uint()
	local h = tvb(off, 1):uint() == 1 and HLEN_V1 or HLEN
	if h == HLEN and n >= HLEN then
		q:add(F.q_hoplimit, tvb(off + 20, 1))
	end
	if (qtype == T_STREAM or qtype == T_SEQPACKET) and n >= h + 14 then
		q:add(F.q_seq, tvb(off + h, 4))
		q:add(F.q_ack, tvb(off + h + 4, 4))
		q:add(F.q_flags, tvb(off + h + 12, 2))
	end
	return string.format(" (quoting %s %s:%d -> %s:%d)",
		type_names[qtype] or tostring(qtype),
		tostring(tvb(off + 4, 4):ipv4()), tvb(off + 12, 2):uint(),
		tostring(tvb(off + 8, 4):ipv4()), tvb(off + 14, 2):uint())
end

function xnet.dissector(tvb, pinfo, tree)
	local avail = tvb:len()
	pinfo.cols.protocol = "xnet"
	local t = tree:add(xnet, tvb())
	if avail < HLEN_V1 then
		t:add_proto_expert_info(E.short,
			"Frame shorter than an xnet header (" .. avail .. " bytes)")
		pinfo.cols.info = "Short frame"
		return avail
	end
	local version = tvb(0, 1):uint()
	local vi = t:add(F.version, tvb(0, 1))
	if version ~= 1 and version ~= 2 then
		vi:add_proto_expert_info(E.bad_version)
		t:add(F.data, tvb(1, avail - 1))
		pinfo.cols.info = "Unknown version " .. version
		return avail
	end
	local hlen = version == 1 and HLEN_V1 or HLEN
	local ptype = tvb(1, 1):uint()
	local len = tvb(2, 2):uint()
	local ti = t:add(F.type, tvb(1, 1))
	local li = t:add(F.len, tvb(2, 2))
	local src, dst = tostring(tvb(4, 4):ipv4()), tostring(tvb(8, 4):ipv4())
	local sport, dport = tvb(12, 2):uint(), tvb(14, 2):uint()
	t:add(F.src, tvb(4, 4))
	t:add(F.dst, tvb(8, 4))
	t:add(F.addr, tvb(4, 4)):set_hidden()
	t:add(F.addr, tvb(8, 4)):set_hidden()
	t:add(F.srcport, tvb(12, 2))
	t:add(F.dstport, tvb(14, 2))
	t:add(F.port, tvb(12, 2)):set_hidden()
	t:add(F.port, tvb(14, 2)):set_hidden()
	local ci = t:add(F.crc, tvb(16, 4))
	if version == 2 then
		if avail < HLEN then
			t:add_proto_expert_info(E.short,
				"Frame shorter than the version 2 header (24 bytes)")
			return avail
		end
		t:add(F.hoplimit, tvb(20, 1))
		t:add(F.reserved, tvb(21, 3))
	else
		vi:add_proto_expert_info(E.bad_version,
			"Version 1 (20-byte header): dropped by version 2 nodes")
	end
	pinfo.src = Address.ip(src)
	pinfo.dst = Address.ip(dst)
	pinfo.src_port = sport
	pinfo.dst_port = dport
	t:append_text(string.format(", %s, Src: %s:%d, Dst: %s:%d",
		type_names[ptype] or ("type " .. ptype), src, sport, dst, dport))

	-- the length: 24 <= len <= what the Ethernet frame carries
	local rlen = tvb:reported_len()
	local pend = len
	if len < hlen or len > rlen then
		li:add_proto_expert_info(E.bad_len, string.format(
			"Length %d outside %d..%d", len, hlen, rlen))
		pend = math.max(hlen, math.min(len, avail))
	end
	if pend > avail then
		pend = avail		-- cut short by the capture's snap length
	end
	t:set_len(pend)

	-- the checksum
	local crc = tvb(16, 4):uint()
	local status
	if len >= hlen and len <= avail then
		local calc = xnet_crc(tvb:raw(0, len), len)
		local sub
		if calc == crc then
			status = 1
			ci:append_text(" [correct]")
		elseif crc == 0 then
			status = 2
			ci:append_text(" [unverified: not computed]")
			ci:add_proto_expert_info(E.crc_unverified)
		else
			status = 0
			ci:append_text(" [incorrect, should be " .. hex8(calc) .. "]")
			ci:add_proto_expert_info(E.bad_crc, "Bad checksum [should be " ..
				hex8(calc) .. "]")
		end
		sub = ci
		sub:add(F.crc_calc, calc):set_generated()
		sub:add(F.crc_status, status):set_generated()
	else
		status = 2
		ci:append_text(" [unverified]")
		ci:add(F.crc_status, status):set_generated()
	end

	local info = type_names[ptype] or ("Type " .. ptype)
	local hdr = { type = ptype, src = src, dst = dst, sport = sport,
		      dport = dport }
	local off = hlen
	if ptype == T_DGRAM then
		if sport == 0 or dport == 0 then
			t:add_proto_expert_info(E.bad_field, "Port 0")
		end
		local r = analyse(pinfo, ptype, src, sport, dst, dport, nil)
		add_stream(t, r)
		if pend > off then
			t:add(F.data, tvb(off, pend - off))
		end
		info = string.format("DGRAM %d → %d Len=%d", sport, dport,
				     pend - off)
	elseif ptype == T_NQUERY or ptype == T_NANSWER then
		if ptype == T_NQUERY then
			t:add(F.neigh_target, tvb(8, 4)):set_generated()
			t:add(F.neigh_querier, tvb(4, 4)):set_generated()
			info = "NEIGH_QUERY Who has " .. dst .. "? Tell " .. src
		else
			t:add(F.neigh_target, tvb(4, 4)):set_generated()
			t:add(F.neigh_querier, tvb(8, 4)):set_generated()
			info = "NEIGH_ANSWER " .. src .. " is at " ..
				tostring(pinfo.dl_src)
		end
		if pend - off >= NEIGH_TRAILER then
			local tr = t:add(xnet, tvb(off, NEIGH_TRAILER),
					 "Trailer (net.xnet.secure=2)")
			tr:add(F.neigh_ts, tvb(off, 8))
			tr:add(F.neigh_fpr, tvb(off + 8, 8))
			tr:add(F.neigh_mac, tvb(off + 16, 16))
			off = off + NEIGH_TRAILER
			info = info .. " (authenticated)"
		end
		if pend > off then
			t:add(F.data, tvb(off, pend - off))
		end
	elseif ptype == T_STREAM or ptype == T_SEQPACKET then
		info = string.format("%s %d → %d", info, sport, dport)
		info = dissect_segment(tvb, pinfo, t, off, pend, hdr, info)
	elseif ptype == T_ERROR then
		if pend - off < 8 then
			t:add_proto_expert_info(E.bad_len,
				"Error report shorter than its 8-byte header")
		else
			local et, code = tvb(off, 1):uint(), tvb(off + 1, 1):uint()
			t:add(F.err_type, tvb(off, 1))
			local codei = t:add(F.err_code, tvb(off + 1, 1))
			t:add(F.err_resv, tvb(off + 2, 2))
			local what = err_type_names[et] or ("type " .. et)
			if et == 1 then
				codei:append_text(" (" ..
					(unreach_code_names[code] or "unknown") .. ")")
				what = what .. ": " ..
					(unreach_code_names[code] or ("code " .. code))
			end
			if et == 3 then
				t:add(F.err_mtu, tvb(off + 4, 4))
				what = what .. " (MTU " .. tvb(off + 4, 4):uint() .. ")"
			else
				t:add(F.err_info, tvb(off + 4, 4))
			end
			if not err_type_names[et] then
				t:add_proto_expert_info(E.unknown_type,
					"Unknown error type")
			end
			info = "ERROR " .. what
			if pend > off + 8 then
				info = info .. dissect_quote(tvb, t, off + 8, pend)
			end
		end
	elseif ptype == T_SEALED then
		if pend - off < SEAL_HLEN + SEAL_TAGLEN then
			t:add_proto_expert_info(E.bad_len,
				"Sealed frame shorter than its seal header and tag")
		else
			local inner = tvb(off, 1):uint()
			local s = t:add(xnet, tvb(off, SEAL_HLEN), "Seal header")
			s:add(F.seal_inner, tvb(off, 1))
			s:add(F.seal_flags, tvb(off + 1, 1))
			s:add(F.seal_resv, tvb(off + 2, 2))
			s:add(F.seal_index, tvb(off + 4, 4))
			s:add(F.seal_counter, tvb(off + 8, 8))
			local ctlen = pend - off - SEAL_HLEN - SEAL_TAGLEN
			t:add(F.seal_ctlen, ctlen):set_generated()
			if ctlen > 0 then
				t:add(F.seal_ct, tvb(off + SEAL_HLEN, ctlen))
			end
			t:add(F.seal_tag, tvb(pend - SEAL_TAGLEN, SEAL_TAGLEN))
			local r = analyse(pinfo, inner, src, sport, dst, dport, nil)
			add_stream(t, r)
			info = string.format("SEALED %s %d → %d Index=%s Counter=%s",
				type_names[inner] or tostring(inner), sport, dport,
				hex8(tvb(off + 4, 4):uint()),
				tostring(tvb(off + 8, 8):uint64()))
		end
	elseif ptype == T_HANDSHAKE then
		if pend < HS_LEN then
			t:add_proto_expert_info(E.bad_len,
				"Handshake shorter than 104 bytes")
		else
			local kind = tvb(off, 1):uint()
			t:add(F.hs_kind, tvb(off, 1))
			t:add(F.hs_alg, tvb(off + 1, 1))
			t:add(F.hs_resv, tvb(off + 2, 2))
			t:add(F.hs_sender, tvb(off + 4, 4))
			t:add(F.hs_receiver, tvb(off + 8, 4))
			t:add(F.hs_fpr, tvb(off + 12, 8))
			t:add(F.hs_resv2, tvb(off + 20, 4))
			local tsi = t:add(F.hs_ts, tvb(off + 24, 8))
			local ns = tvb(off + 24, 8):uint64()
			local secs = (ns / 1000000000):tonumber()
			tsi:append_text(" (" .. os.date("!%Y-%m-%d %H:%M:%S UTC",
							secs) .. ")")
			t:add(F.hs_random, tvb(off + 32, 32))
			t:add(F.hs_mac, tvb(off + 64, 16))
			if pend > HS_LEN then
				t:add(F.data, tvb(HS_LEN, pend - HS_LEN))
			end
			info = string.format("HANDSHAKE %s Sender=%s Receiver=%s",
				hs_kind_names[kind] or ("kind " .. kind),
				hex8(tvb(off + 4, 4):uint()),
				hex8(tvb(off + 8, 4):uint()))
		end
	else
		ti:add_proto_expert_info(E.unknown_type)
		if pend > off then
			t:add(F.data, tvb(off, pend - off))
		end
	end
	if status == 0 then
		info = info .. " [BAD CHECKSUM]"
	end
	pinfo.cols.info = info
	return pend
end

DissectorTable.get("ethertype"):add(0x88b5, xnet)

-- Conversations and Follow Stream, from a tap on xnet frames ----------

local fx = {
	stream = Field.new("xnet.stream"), type = Field.new("xnet.type"),
	src = Field.new("xnet.src"), dst = Field.new("xnet.dst"),
	srcport = Field.new("xnet.srcport"),
	dstport = Field.new("xnet.dstport"),
	seq = Field.new("xnet.seq"), data = Field.new("xnet.data"),
	syn = Field.new("xnet.flags.syn"), inner = Field.new("xnet.seal.inner_type"),
	len = Field.new("xnet.len"),
}

local function fval(f)
	local v = f()
	if v == nil then
		return nil
	end
	return v.value
end

-- The conversations: one line each, in order of first frame.
local function conv_tap(out)
	local tap = Listener.new(nil, "xnet")
	local list, by = {}, {}
	function tap.reset()
		list, by = {}, {}
	end
	function tap.packet(pinfo)
		local s = fval(fx.stream)
		if s == nil then
			return
		end
		local a = ep(tostring(fval(fx.src)), fval(fx.srcport))
		local b = ep(tostring(fval(fx.dst)), fval(fx.dstport))
		local c = by[s]
		if not c then
			local ty = fval(fx.type)
			if ty == T_SEALED then
				ty = fval(fx.inner) or ty
			end
			c = { stream = s, type = type_names[ty] or tostring(ty),
			      a = a, b = b, fab = 0, bab = 0, fba = 0, bba = 0,
			      first = pinfo.number, sealed = 0 }
			by[s] = c
			list[#list + 1] = c
		end
		local n = fval(fx.len) or 0
		if a == c.a then
			c.fab, c.bab = c.fab + 1, c.bab + n
		else
			c.fba, c.bba = c.fba + 1, c.bba + n
		end
		if fval(fx.type) == T_SEALED then
			c.sealed = c.sealed + 1
		end
	end
	function tap.draw()
		local lines = {
			"xnet conversations (bytes: the xnet length field)",
			string.format("%-6s %-10s %-21s %-21s %8s %10s %8s %10s %6s",
				"Stream", "Type", "Address A", "Address B",
				"A->B", "Bytes", "B->A", "Bytes", "Sealed"),
		}
		for _, c in ipairs(list) do
			lines[#lines + 1] = string.format(
				"%-6d %-10s %-21s %-21s %8d %10d %8d %10d %6d",
				c.stream, c.type, c.a, c.b, c.fab, c.bab, c.fba,
				c.bba, c.sealed)
		end
		out(table.concat(lines, "\n") .. "\n")
	end
	return tap
end

local function hexdump(s)
	local out = {}
	for i = 1, #s, 16 do
		local chunk = s:sub(i, i + 15)
		local hex = chunk:gsub(".", function(ch)
			return string.format("%02x ", ch:byte())
		end)
		local txt = chunk:gsub("[^%g ]", ".")
		out[#out + 1] = string.format("%08x  %-48s %s", i - 1, hex, txt)
	end
	return table.concat(out, "\n")
end

-- Stream @want's payload each way: stream and seqpacket data in sequence
-- order, each byte once (retransmissions and overlaps dropped); datagrams
-- in capture order. Sealed frames' payloads are encrypted: counted only.
local function follow_tap(want, out)
	local tap = Listener.new(nil, "xnet.stream == " .. want)
	local st
	local function reset()
		st = { dirs = {}, order = {}, sealed = 0 }
	end
	tap.reset = reset
	reset()
	function tap.packet(pinfo)
		local ty = fval(fx.type)
		if ty == T_SEALED then
			st.type = st.type or fval(fx.inner)
			st.sealed = st.sealed + 1
			return
		end
		local a = ep(tostring(fval(fx.src)), fval(fx.srcport))
		local b = ep(tostring(fval(fx.dst)), fval(fx.dstport))
		st.type = st.type or ty
		local d = st.dirs[a]
		if not d then
			d = { name = a .. " -> " .. b, segs = {}, dgrams = {} }
			st.dirs[a] = d
			st.order[#st.order + 1] = a
		end
		local data = fx.data()
		local bytes = data and data.range:raw() or ""
		if ty == T_STREAM or ty == T_SEQPACKET then
			local seq = fval(fx.seq)
			if fval(fx.syn) then
				d.isn = seq
				return
			end
			if #bytes > 0 then
				d.segs[#d.segs + 1] = { seq = seq, bytes = bytes }
			end
		elseif #bytes > 0 then
			d.dgrams[#d.dgrams + 1] = bytes
		end
	end
	function tap.draw()
		local res = { string.format("xnet follow stream %d (%s)", want,
			type_names[st.type or 0] or "no frames") }
		for _, k in ipairs(st.order) do
			local d = st.dirs[k]
			local s
			if #d.dgrams > 0 then
				s = table.concat(d.dgrams)
			else
				local base = d.isn and (d.isn + 1) % 4294967296
				for _, g in ipairs(d.segs) do
					if base == nil or seq_lt(g.seq, base) then
						base = g.seq
					end
				end
				table.sort(d.segs, function(x, y)
					return (x.seq - base) % 4294967296 <
						(y.seq - base) % 4294967296
				end)
				local parts, nxt = {}, 0
				for _, g in ipairs(d.segs) do
					local o = (g.seq - (base or 0)) % 4294967296
					local e = o + #g.bytes
					if e > nxt and o <= nxt then
						parts[#parts + 1] = g.bytes:sub(nxt - o + 1)
						nxt = e
					end
				end
				s = table.concat(parts)
			end
			res[#res + 1] = string.format("%s: %d bytes", d.name, #s)
			res[#res + 1] = hexdump(s)
		end
		if st.sealed > 0 then
			res[#res + 1] = st.sealed ..
				" sealed frames (encrypted payload not shown)"
		end
		out(table.concat(res, "\n") .. "\n")
	end
	return tap
end

local function print_out(s)
	io.write(s)
	io.flush()
end

-- tshark -z xnet,conv and -z xnet,follow,N
register_stat_cmd_arg("xnet,conv", function()
	conv_tap(print_out)
end)
register_stat_cmd_arg("xnet,follow", function(arg)
	local n = tonumber((arg or ""):match("^xnet,follow,(%d+)"))
	if not n then
		error("usage: -z xnet,follow,N (N: an xnet.stream number)")
	end
	follow_tap(n, print_out)
end)

if gui_enabled() then
	local function window(title, fn)
		local w = TextWindow.new(title)
		local tap = fn(function(s) w:set(s) end)
		w:set_atclose(function() tap:remove() end)
		retap_packets()
	end
	register_menu("xnet", function()
		window("xnet conversations", conv_tap)
	end, MENU_STAT_CONVERSATION_LIST)
	register_menu("xnet/Follow Stream", function()
		new_dialog("xnet Follow Stream", function(n)
			local k = tonumber(n)
			if k then
				window("xnet stream " .. k, function(out)
					return follow_tap(k, out)
				end)
			end
		end, "Stream index (xnet.stream)")
	end, MENU_TOOLS_UNSORTED)
end
