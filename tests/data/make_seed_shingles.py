#!/usr/bin/env python3
"""Fingerprints of the source page, so tests can prove the bank is in our own words without
committing the page's sentences.

Writes one FNV-1a 64-bit hash (hex) per distinct run of 12 consecutive words of the page.
Words are maximal runs of ASCII letters and digits, lowercased; everything else separates words.
tests/bank_content.rs hashes the bank's text the same way and fails on any shared run.

usage: python3 tests/data/make_seed_shingles.py ../shared/seeds/000_fc465a6685fcaeb2.txt > tests/data/seed-shingles.txt
"""
import re, sys

def words(text):
    ascii_only = ''.join(c.lower() if c.isascii() else ' ' for c in text)
    return re.findall(r'[a-z0-9]+', ascii_only)

def fnv1a64(data: bytes) -> int:
    h = 0xcbf29ce484222325
    for b in data:
        h ^= b
        h = (h * 0x100000001b3) & 0xFFFFFFFFFFFFFFFF
    return h

ws = words(open(sys.argv[1], encoding='utf-8').read())
hashes = {fnv1a64(' '.join(ws[i:i + 12]).encode()) for i in range(len(ws) - 11)}
for h in sorted(hashes):
    print(f'{h:016x}')
