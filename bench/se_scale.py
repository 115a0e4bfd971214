#!/usr/bin/env python3
"""Scales a Stack Exchange dump up by repetition, for import benchmarks.

Usage: se_scale.py SRC_DIR DEST_DIR POSTS

Writes Posts.xml, Comments.xml, Votes.xml and Users.xml with about POSTS
posts. Repetition k shifts every post, comment and vote id (and the ids
that point at posts) past those of repetition k-1, so each copy is new
content with intact relationships. People repeat less often than posts
(one block of users per 8 repetitions, ids and account ids shifted), which
keeps roughly the users-to-posts ratio of real sites. Badges, PostLinks,
PostHistory and Tags are only counted by the importer and are left out.
Rows are streamed line by line: SE dumps put one <row/> per line.
"""
import re
import sys
from pathlib import Path

src, dest, want = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3])
dest.mkdir(parents=True, exist_ok=True)
ATTR = re.compile(r' (Id|PostId|ParentId|AcceptedAnswerId|OwnerUserId|UserId|LastEditorUserId|AccountId)="(-?\d+)"')


def rows(name):
    with open(src / name, encoding="utf-8-sig") as f:
        return [line.rstrip("\n") for line in f if line.lstrip().startswith("<row ")]


def max_id(lines, attr="Id"):
    pat = re.compile(' %s="(-?\\d+)"' % attr)
    return max(int(m.group(1)) for l in lines for m in [pat.search(l)] if m)


posts, comments, votes, users = rows("Posts.xml"), rows("Comments.xml"), rows("Votes.xml"), rows("Users.xml")
reps = max(1, -(-want // len(posts)))
USERS_EVERY = 8
post_step, comment_step, vote_step = max_id(posts) + 1, max_id(comments) + 1, max_id(votes) + 1
user_step = max_id(users) + 2  # ids start at -1
account_step = max_id(users, "AccountId") + 2


def shifted(line, file_id_step, k):
    block = k // USERS_EVERY

    def sub(m):
        name, v = m.group(1), int(m.group(2))
        if name == "Id":
            v += file_id_step * k
        elif name in ("PostId", "ParentId", "AcceptedAnswerId"):
            v += post_step * k
        elif name in ("OwnerUserId", "UserId", "LastEditorUserId"):
            v += user_step * block
        return ' %s="%d"' % (name, v)

    return ATTR.sub(sub, line)


def write(name, root, lines, step, count):
    with open(dest / name, "w", encoding="utf-8") as out:
        out.write('<?xml version="1.0" encoding="utf-8"?>\n<%s>\n' % root)
        for k in range(count):
            for l in lines:
                out.write(shifted(l, step, k))
                out.write("\n")
        out.write("</%s>\n" % root)


write("Posts.xml", "posts", posts, post_step, reps)
write("Comments.xml", "comments", comments, comment_step, reps)
write("Votes.xml", "votes", votes, vote_step, reps)
with open(dest / "Users.xml", "w", encoding="utf-8") as out:
    out.write('<?xml version="1.0" encoding="utf-8"?>\n<users>\n')
    for b in range(-(-reps // USERS_EVERY)):
        for l in users:
            def sub(m, b=b):
                name, v = m.group(1), int(m.group(2))
                if name == "Id":
                    v += user_step * b
                elif name == "AccountId":
                    v += account_step * b
                return ' %s="%d"' % (name, v)
            out.write(ATTR.sub(sub, l))
            out.write("\n")
    out.write("</users>\n")
print("%d repetitions: %d posts, %d comments, %d votes, %d users"
      % (reps, reps * len(posts), reps * len(comments), reps * len(votes), -(-reps // USERS_EVERY) * len(users)))
