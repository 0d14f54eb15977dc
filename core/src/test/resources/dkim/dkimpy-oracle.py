"""DKIM signing and verification by dkimpy (Debian python3-dkim), an independent implementation, for
DkimDkimpyConformanceTest. One JSON request per line on standard input, one JSON answer per line out.

  sign KEYDIR:   {"id":N,"message":b64,"key":"rsa1","selector":"s","domain":"d","canon":"relaxed/simple",
                  "headers":["from",...],"length":false,"algorithm":"rsa-sha256"}
              -> {"id":N,"signed":b64} or {"id":N,"error":"..."}
  verify:        {"id":N,"message":b64,"keys":{"s._domainkey.d":"v=DKIM1; ..."}}
              -> {"id":N,"results":[true,false,...]} (one per DKIM-Signature field, top first)

Keys are read from KEYDIR/<key>.key (dknewkey's private key files); DNS is the "keys" map, nothing else.
"""
import base64
import json
import sys

import dkim


def sign(request, keydir):
    with open("%s/%s.key" % (keydir, request["key"]), "rb") as f:
        private = f.read()
    header_canon, body_canon = request["canon"].split("/")
    signature = dkim.sign(base64.b64decode(request["message"]), request["selector"].encode(),
                          request["domain"].encode(), private,
                          canonicalize=(header_canon.encode(), body_canon.encode()),
                          signature_algorithm=request["algorithm"].encode(),
                          include_headers=[h.encode() for h in request["headers"]],
                          length=request["length"])
    return {"signed": base64.b64encode(signature + base64.b64decode(request["message"])).decode()}


def verify(request):
    message = base64.b64decode(request["message"])
    keys = request["keys"]

    def dnsfunc(name, timeout=5):
        value = keys.get(name.decode().rstrip(".").lower())
        return value.encode() if value is not None else None

    d = dkim.DKIM(message)
    count = sum(1 for name, _ in d.headers if name.lower() == b"dkim-signature")
    results = []
    for idx in range(count):
        try:
            results.append(bool(dkim.DKIM(message).verify(idx=idx, dnsfunc=dnsfunc)))
        except Exception:
            results.append(False)
    return {"results": results}


def main():
    mode = sys.argv[1]
    keydir = sys.argv[2] if len(sys.argv) > 2 else "."
    for line in sys.stdin:
        if not line.strip():
            continue
        request = json.loads(line)
        try:
            answer = sign(request, keydir) if mode == "sign" else verify(request)
        except Exception as e:
            answer = {"error": "%s: %s" % (type(e).__name__, e)}
        answer["id"] = request["id"]
        print(json.dumps(answer), flush=True)


if __name__ == "__main__":
    main()
