#!/usr/bin/env python3
"""Prints the AK/SK test vectors of client_unit_test.cpp, computed the way the official Huawei
Cloud SDK signs (huaweicloudsdkcore/signer/signer.py): the canonical URI is the whole path
percent-decoded, split on '/', each part encoded with quote(safe='~'); the query is sorted by
its decoded (key, value) pairs, then encoded the same way. Written from the documented algorithm,
independently of stopd's signer, so the C++ tests compare two implementations.

Run: python3 tests/integration/huaweicloud/aksk_vectors.py
"""
import hashlib
import hmac
from urllib.parse import quote, unquote


def encode(text):
    return quote(text, safe="~")


def canonical_uri(path):
    uri = "/".join(encode(part) for part in unquote(path).split("/"))
    return uri if uri.endswith("/") else uri + "/"


def canonical_query(pairs):
    return "&".join(encode(k) + "=" + encode(v) for k, v in sorted(pairs))


def sign(method, path, query, headers, body, secret_key):
    names = sorted(k.lower() for k in headers)
    values = {k.lower(): v.strip() for k, v in headers.items()}
    canonical = "\n".join([
        method, canonical_uri(path), canonical_query(query),
        "".join(n + ":" + values[n] + "\n" for n in names), ";".join(names),
        hashlib.sha256(body.encode()).hexdigest()])
    to_sign = "SDK-HMAC-SHA256\n%s\n%s" % (
        values["x-sdk-date"], hashlib.sha256(canonical.encode()).hexdigest())
    return canonical, hmac.new(secret_key.encode(), to_sign.encode(), hashlib.sha256).hexdigest()


PATHS = [
    "/v1/p/scripts/a%2Fb/instances/i-1/stop",  # an id with '/': a separator once decoded
    "/v1/p/scripts/100%25/instances/i-1",      # '%'
    "/v1/p/scripts/a%2Bb%20c~d/instances/i-1",  # '+', space, '~'
    "/v1/p/scripts/%E6%8A%A5%E8%A1%A8%20daily%2Fv2%253F%3Fx/instances/odd-0001",  # 报表 daily/v2%3F?x
    "/v1/p/",
]
QUERIES = [
    [("limit", "10"), ("marker", ""), ("name", "a b+c~/é")],  # empty value, odd characters
    [("tag", "z"), ("tag", "a"), ("tag", "m")],                  # a repeated key
    [("a~", "1"), ("aé", "2"), ("a%", "3")],                     # decoded order, not encoded
]

if __name__ == "__main__":
    for path in PATHS:
        print("uri   %r -> %r" % (path, canonical_uri(path)))
    for query in QUERIES:
        print("query %r -> %r" % (query, canonical_query(query)))
    canonical, signature = sign(
        "POST", PATHS[0], QUERIES[0],
        {"Host": "dlf.example.com", "X-Sdk-Date": "20240102T030405Z",
         "Content-Type": "application/json"}, '{"x":1}', "SKEXAMPLE")
    print("request %r\nsignature %s" % (canonical, signature))
