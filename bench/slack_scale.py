"""Builds a large Slack export by repeating a real one in time: each
repetition is shifted by the export's span (whole days), so its messages,
thread references and day files are new while channels and users stay
the same — a workspace with the same shape over many more years.

Usage: python3 bench/slack_scale.py SRC_DIR OUT_DIR MESSAGES
"""

import datetime
import json
import os
import shutil
import sys

TS_FIELDS = ("ts", "thread_ts", "latest_reply", "last_read")


def shifted_ts(value, seconds):
    whole, _, fraction = value.partition(".")
    return f"{int(whole) + seconds}.{fraction or '000000'}"


def shift(message, seconds):
    for field in TS_FIELDS:
        if isinstance(message.get(field), str):
            message[field] = shifted_ts(message[field], seconds)
    for reply in message.get("replies") or []:
        if isinstance(reply, dict) and isinstance(reply.get("ts"), str):
            reply["ts"] = shifted_ts(reply["ts"], seconds)
    return message


def main():
    src, out, wanted = sys.argv[1], sys.argv[2], int(sys.argv[3])
    days = {}
    for channel in sorted(os.listdir(src)):
        folder = os.path.join(src, channel)
        if not os.path.isdir(folder):
            continue
        for name in sorted(os.listdir(folder)):
            if name.endswith(".json"):
                with open(os.path.join(folder, name), encoding="utf-8") as f:
                    days[(channel, name[:-5])] = json.load(f)
    messages = sum(len(d) for d in days.values())
    dates = sorted(datetime.date.fromisoformat(day) for _, day in days)
    span_days = (dates[-1] - dates[0]).days + 1
    repetitions = max(1, -(-wanted // messages))
    if os.path.exists(out):
        shutil.rmtree(out)
    os.makedirs(out)
    for name in ("channels.json", "users.json"):
        shutil.copy(os.path.join(src, name), os.path.join(out, name))
    for i in range(repetitions):
        offset = datetime.timedelta(days=i * span_days)
        seconds = i * span_days * 86_400
        for (channel, day), day_messages in days.items():
            date = datetime.date.fromisoformat(day) + offset
            folder = os.path.join(out, channel)
            os.makedirs(folder, exist_ok=True)
            with open(os.path.join(folder, f"{date.isoformat()}.json"), "w", encoding="utf-8") as f:
                json.dump([shift(dict(m), seconds) for m in day_messages], f)
    print(f"{messages * repetitions} messages, {repetitions} repetitions of {messages}, "
          f"{len(days) * repetitions} day files", file=sys.stderr)


if __name__ == "__main__":
    main()
