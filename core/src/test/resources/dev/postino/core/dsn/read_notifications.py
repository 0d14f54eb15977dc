"""Reads delivery status notifications with Python's own email package and prints what it sees as JSON.

Used by NotificationsReadByPythonTest: an independent MIME parser must find the same structure, recipients
and status codes that the composer meant to write.
"""
import json
import sys
from email import message_from_bytes, policy
from email.parser import HeaderParser


def status_blocks(part, raw):
    if part.get_content_type() == "message/delivery-status":  # Python splits it into header blocks
        return [dict(block.items()) for block in part.get_payload()]
    # Python reads message/global-delivery-status as a message and loses its UTF-8 octets: take the part's
    # octets (Python found its boundaries; its header ends at the first blank line) and split the blocks here.
    start = raw.index(b"\r\n\r\n", raw.index(b"Content-Type: message/global-delivery-status")) + 4
    text = raw[start:raw.index(b"\r\n--", start)].decode("utf-8")
    blocks = [b for b in text.split("\r\n\r\n") if b.strip()]
    return [dict(HeaderParser().parsestr(b + "\n").items()) for b in blocks]


def read(path):
    with open(path, "rb") as f:
        raw = f.read()
    msg = message_from_bytes(raw, policy=policy.default)
    parts = list(msg.iter_parts())
    human = parts[0]
    alternatives = list(human.iter_parts())
    blocks = status_blocks(parts[1], raw)
    return {
        "content_type": msg.get_content_type(),
        "report_type": msg.get_param("report-type"),
        "subject": str(msg["Subject"]),
        "from": str(msg["From"]),
        "to": str(msg["To"]),
        "auto_submitted": str(msg["Auto-Submitted"]),
        "parts": [p.get_content_type() for p in parts],
        "alternatives": [p.get_content_type() for p in alternatives],
        "text": alternatives[0].get_content(),
        "reporting_mta": blocks[0].get("Reporting-MTA"),
        "recipients": [
            {"final_recipient": " ".join(b.get("Final-Recipient", "").split()), "action": b.get("Action"),
             "status": b.get("Status")}
            for b in blocks[1:]
        ],
        "diagnostics": [" ".join(b.get("Diagnostic-Code", "").split()) for b in blocks[1:]],
        "remote_hosts": [b.get("X-Postino-Remote-Host", "") for b in blocks[1:]],
        "defects": [type(d).__name__ for d in msg.defects] + [type(d).__name__ for p in msg.walk() for d in p.defects],
    }


print(json.dumps([read(path) for path in sys.argv[1:]], ensure_ascii=False))
