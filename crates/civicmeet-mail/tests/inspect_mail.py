"""Reads one .eml with independent parsers and prints what it found as JSON.

The message is parsed by Python's `email` package (policy.default, which
decodes encoded words and transfer encodings), each calendar part by the
`icalendar` package. The Rust tests assert on this output, so a mail is
judged by parsers nobody here wrote.

For each VTIMEZONE the output also holds the UTC offsets that the
component itself implies (icalendar builds a tzinfo from its rules, not
from the tz database) at probe times given on the command line, so the
test can compare our VTIMEZONE with the tz database.

usage: inspect_mail.py FILE.eml [LOCAL-ISO-TIME ...]
"""

import datetime
import email
import email.policy
import json
import sys

import icalendar


def text(value):
    return None if value is None else str(value)


def when(event, name):
    prop = event.get(name)
    if prop is None:
        return None
    value = prop.dt
    return {
        "tzid": prop.params.get("TZID"),
        "local": value.replace(tzinfo=None).isoformat(),
        "utc": value.astimezone(datetime.timezone.utc).replace(tzinfo=None).isoformat(),
    }


def address(event, name):
    prop = event.get(name)
    if prop is None:
        return None
    return {"value": str(prop), "cn": prop.params.get("CN")}


def calendar_facts(part, probes):
    raw = part.get_content()
    if isinstance(raw, bytes):
        raw = raw.decode("utf-8")
    cal = icalendar.Calendar.from_ical(raw)
    events = []
    for event in cal.walk("VEVENT"):
        events.append(
            {
                "uid": text(event.get("UID")),
                "sequence": int(event.get("SEQUENCE", 0)),
                "status": text(event.get("STATUS")),
                "summary": text(event.get("SUMMARY")),
                "description": text(event.get("DESCRIPTION")),
                "location": text(event.get("LOCATION")),
                "url": text(event.get("URL")),
                "dtstamp": when(event, "DTSTAMP"),
                "dtstart": when(event, "DTSTART"),
                "dtend": when(event, "DTEND"),
                "organizer": address(event, "ORGANIZER"),
                "attendee": address(event, "ATTENDEE"),
            }
        )
    zones = {}
    for vtz in cal.walk("VTIMEZONE"):
        tz = vtz.to_tz(lookup_tzid=False)
        offsets = {}
        for probe in probes:
            local = datetime.datetime.fromisoformat(probe).replace(tzinfo=tz)
            offsets[probe] = int(local.utcoffset().total_seconds())
        zones[vtz.tz_name] = offsets
    return {
        "content_type": part.get_content_type(),
        "method_param": part.get_param("method"),
        "filename": part.get_filename(),
        "disposition": part.get_content_disposition(),
        "raw": raw,
        "method": text(cal.get("METHOD")),
        "prodid": text(cal.get("PRODID")),
        "version": text(cal.get("VERSION")),
        "events": events,
        "vtimezones": zones,
    }


def main():
    path, probes = sys.argv[1], sys.argv[2:]
    with open(path, "rb") as f:
        msg = email.message_from_binary_file(f, policy=email.policy.default)
    headers = {
        name: text(msg.get(name))
        for name in [
            "From",
            "To",
            "Reply-To",
            "Subject",
            "Date",
            "Message-ID",
            "MIME-Version",
            "Content-Language",
            "Auto-Submitted",
        ]
    }
    parts, calendars, body = [], [], None
    for part in msg.walk():
        parts.append(part.get_content_type())
        if part.get_content_type() == "text/plain" and body is None:
            body = part.get_content()
        elif part.get_content_type() in ("text/calendar", "application/ics"):
            calendars.append(calendar_facts(part, probes))
    defects = [type(d).__name__ for part in msg.walk() for d in part.defects]
    json.dump(
        {
            "headers": headers,
            "parts": parts,
            "text": body,
            "calendars": calendars,
            "defects": defects,
        },
        sys.stdout,
    )


if __name__ == "__main__":
    main()
