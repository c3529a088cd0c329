# SPDX-License-Identifier: GPL-2.0
"""SOCK_SEQPACKET between the VMs on each link: 8 MiB each way in messages
of pseudo-random sizes 1..65536 bytes (up to 64 KiB, many segments each),
every message's size and every byte checked."""

from common import bulk

LIMIT = 600


def run(lab, t):
    for i, lk in enumerate(lab.links):
        bulk(lab, t, lk, 8 << 20, kind="seqpacket", port=6300 + i * 10,
             client_args="-m 65536", server_args="-m 65536",
             name=f"{lk.name}: seqpacket 8 MiB each way, messages "
                  f"1..65536 B")
