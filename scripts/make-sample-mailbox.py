#!/usr/bin/env python3
"""Writes the deterministic sample mailbox shipped in sample/Maildir.

The sample shows, small, everything mailsweep looks for: old mail, a big Sent folder
and a second Sent folder from another client, large attachments (also inside a
forwarded message, inline, and with non-ASCII names), Junk with unread spam, a Trash,
and bounces from several MTAs. Attachment bodies are repetitive text, so git stores
megabytes in kilobytes.

Run from the repository root: python3 scripts/make-sample-mailbox.py
The output is the same on every run (no clock, no randomness beyond a fixed seed).
"""
import base64
import os
import random
import shutil
from email.utils import formatdate

ROOT = os.path.join("sample", "Maildir")
NOW = 1_795_327_200  # 2026-11-22 06:00 UTC: the sample's "today"; dates are relative to it
DAY = 86400
rng = random.Random(20261122)
counter = 0

PEOPLE = [
    ("Alice Martin", "alice@example.org"),
    ("Bruno Lefèvre", "bruno@example.net"),
    ("Chloé Dubois", "chloe@example.com"),
    ("David Weiß", "david@example.de"),
    ("Emma Rossi", "emma@example.it"),
]
ME = ("Sam Sample", "sam@example.org")


def mutf7(name):
    """IMAP modified UTF-7, as Dovecot names Maildir++ folders on disk."""
    out, pending = [], ""

    def flush():
        nonlocal pending
        if pending:
            b = base64.b64encode(pending.encode("utf-16-be")).decode().rstrip("=").replace("/", ",")
            out.append("&" + b + "-")
            pending = ""

    for ch in name:
        if 0x20 <= ord(ch) <= 0x7E:
            flush()
            out.append("&-" if ch == "&" else ch)
        else:
            pending += ch
    flush()
    return "".join(out)


def folder_dir(folder):
    if folder == "INBOX":
        return ROOT
    return os.path.join(ROOT, "." + ".".join(mutf7(p) for p in folder.split("/")))


def addr(p):
    name, email = p
    if all(ord(c) < 128 for c in name):
        return f'"{name}" <{email}>'
    enc = base64.b64encode(name.encode()).decode()
    return f"=?UTF-8?B?{enc}?= <{email}>"


def filler(kind, size):
    """Repetitive, compressible bytes that look like a file of that kind."""
    line = {
        "pdf": b"%PDF-1.4 sample page content stream BT /F1 12 Tf 72 712 Td (mailsweep) Tj ET\n",
        "zip": b"PK\x03\x04 sample archive member data mailsweep mailsweep mailsweep\n",
        "jpg": b"\xff\xd8\xff\xe0 JFIF sample image scanline mailsweep mailsweep\n",
        "dat": b"TNEF sample winmail payload mailsweep mailsweep mailsweep\n",
    }[kind]
    return (line * (size // len(line) + 1))[:size]


def b64_lines(data):
    enc = base64.b64encode(data).decode()
    return "\n".join(enc[i : i + 76] for i in range(0, len(enc), 76))


def text_body(words):
    vocab = "the report meeting budget invoice project planning draft review holiday quota folder archive".split()
    return "\n".join(" ".join(rng.choice(vocab) for _ in range(12)) for _ in range(words // 12 + 1)) + "\n"


def headers(frm, to, subject, when, extra=""):
    global counter
    counter += 1
    subj = subject
    if any(ord(c) > 127 for c in subject):
        subj = "=?UTF-8?B?" + base64.b64encode(subject.encode()).decode() + "?="
    return (
        f"From: {addr(frm)}\nTo: {addr(to)}\nSubject: {subj}\n"
        f"Date: {formatdate(when, localtime=False)}\n"
        f"Message-ID: <sample-{counter:04d}@example.org>\nMIME-Version: 1.0\n{extra}"
    )


def plain(frm, to, subject, when, words=120):
    return headers(frm, to, subject, when) + "Content-Type: text/plain; charset=utf-8\n\n" + text_body(words)


def with_attachments(frm, to, subject, when, parts):
    """parts: list of (filename or None, mime type, kind, size, disposition)."""
    b = f"=_sample_{counter + 1:04d}"
    out = headers(frm, to, subject, when) + f'Content-Type: multipart/mixed; boundary="{b}"\n\n'
    out += f"--{b}\nContent-Type: text/plain; charset=utf-8\n\n" + text_body(60)
    for name, mime, kind, size, disp in parts:
        out += f"--{b}\n"
        if name is None:
            out += f"Content-Type: {mime}\nContent-Transfer-Encoding: base64\n\n"
        elif all(ord(c) < 128 for c in name):
            out += f'Content-Type: {mime}; name="{name}"\nContent-Disposition: {disp}; filename="{name}"\nContent-Transfer-Encoding: base64\n\n'
        else:
            quoted = "".join(c if c.isalnum() and ord(c) < 128 else "%" + "%".join(f"{x:02X}" for x in c.encode()) for c in name).replace("%%", "%")
            out += (
                f"Content-Type: {mime}\nContent-Disposition: {disp};\n filename*=UTF-8''{quoted}\n"
                "Content-Transfer-Encoding: base64\n\n"
            )
        out += b64_lines(filler(kind, size)) + "\n"
    return out + f"--{b}--\n"


def forwarded(frm, to, subject, when, inner):
    b = f"=_sample_fwd_{counter + 1:04d}"
    out = headers(frm, to, subject, when) + f'Content-Type: multipart/mixed; boundary="{b}"\n\n'
    out += f"--{b}\nContent-Type: text/plain; charset=utf-8\n\nSee the forwarded message below.\n"
    out += f"--{b}\nContent-Type: message/rfc822\nContent-Disposition: inline\n\n{inner}\n--{b}--\n"
    return out


def related(frm, to, subject, when, img_size):
    b = f"=_sample_rel_{counter + 1:04d}"
    out = headers(frm, to, subject, when) + f'Content-Type: multipart/related; boundary="{b}"\n\n'
    out += f'--{b}\nContent-Type: text/html; charset=utf-8\n\n<p>Photo of the site:</p><img src="cid:site@example.org">\n'
    out += f'--{b}\nContent-Type: image/jpeg; name="site.jpg"\nContent-ID: <site@example.org>\nContent-Disposition: inline; filename="site.jpg"\nContent-Transfer-Encoding: base64\n\n'
    return out + b64_lines(filler("jpg", img_size)) + f"\n--{b}--\n"


def bounce_postfix(when, rcpt, status, diag, subject):
    b = f"=_sample_dsn_{counter + 1:04d}"
    out = headers(("Mail Delivery System", "MAILER-DAEMON@mx.example.org"), ME, "Undelivered Mail Returned to Sender", when)
    out += f'Content-Type: multipart/report; report-type=delivery-status; boundary="{b}"\n\n'
    out += f"--{b}\nContent-Type: text/plain; charset=us-ascii\n\nThis is the mail system at host mx.example.org.\n\nI'm sorry to have to inform you that your message could not\nbe delivered to one or more recipients.\n\n<{rcpt}>: {diag}\n"
    out += f"--{b}\nContent-Type: message/delivery-status\n\nReporting-MTA: dns; mx.example.org\n\nFinal-Recipient: rfc822; {rcpt}\nAction: failed\nStatus: {status}\nDiagnostic-Code: smtp; {diag}\n"
    out += f"--{b}\nContent-Type: text/rfc822-headers\n\nFrom: {addr(ME)}\nTo: <{rcpt}>\nSubject: {subject}\n--{b}--\n"
    return out


def bounce_exim(when, rcpt, diag):
    out = headers(("Mail Delivery System", "Mailer-Daemon@mail.example.net"), ME, "Mail delivery failed: returning message to sender", when)
    out += "Content-Type: text/plain; charset=us-ascii\n\nThis message was created automatically by mail delivery software.\n\n"
    out += f"A message that you sent could not be delivered to one or more of its\nrecipients. This is a permanent error. The following address(es) failed:\n\n  {rcpt}\n    {diag}\n"
    return out


def bounce_qmail(when, rcpt, diag):
    out = headers(("MAILER-DAEMON", "MAILER-DAEMON@qmail.example.com"), ME, "failure notice", when)
    out += "Content-Type: text/plain\n\nHi. This is the qmail-send program at qmail.example.com.\nI'm afraid I wasn't able to deliver your message to the following addresses.\nThis is a permanent error; I've given up. Sorry it didn't work out.\n\n"
    out += f"<{rcpt}>:\n{diag}\n"
    return out


def bounce_exchange(when, rcpt, diag):
    out = headers(("Microsoft Outlook", "postmaster@example.com"), ME, "Undeliverable: Budget 2026", when)
    out += "Content-Type: text/plain; charset=utf-8\n\nDelivery has failed to these recipients or groups:\n\n"
    out += f"{rcpt}\n{diag}\n\nDiagnostic information for administrators:\nRemote Server returned '550 5.1.1 RESOLVER.ADR.RecipNotFound; not found'\n"
    return out


def write(folder, raw, when, flags):
    global counter
    d = folder_dir(folder)
    data = raw.encode()
    vsize = len(data) + data.count(b"\n")
    name = f"{when}.M{counter:04d}P1000.sample,S={len(data)},W={vsize}:2,{flags}"
    path = os.path.join(d, "cur", name)
    with open(path, "wb") as f:
        f.write(data)
    os.utime(path, (when, when))


def make_folder(folder):
    d = folder_dir(folder)
    for sub in ("cur", "new", "tmp"):
        os.makedirs(os.path.join(d, sub), exist_ok=True)
        # git keeps no empty directory; Maildir readers ignore dot files (Maildir spec).
        open(os.path.join(d, sub, ".gitkeep"), "w").close()
    if folder != "INBOX":
        open(os.path.join(d, "maildirfolder"), "w").close()


def main():
    if os.path.exists(ROOT):
        shutil.rmtree(ROOT)
    folders = ["INBOX", "Sent", "Éléments envoyés", "Drafts", "Trash", "Junk", "Archives", "Archives/2021", "Archives/2022"]
    for f in folders:
        make_folder(f)
    with open(os.path.join(ROOT, "subscriptions"), "w") as s:
        s.write("\n".join(folders[1:]) + "\n")
    MiB = 1024 * 1024

    # INBOX: three years of ordinary mail, a few big attachments, bounces.
    for i in range(36):
        when = NOW - (i * 31 + 2) * DAY
        frm = PEOPLE[i % len(PEOPLE)]
        write("INBOX", plain(frm, ME, f"Weekly notes #{36 - i}", when), when, "S" if i > 3 else "")
    when = NOW - 400 * DAY
    write("INBOX", with_attachments(PEOPLE[1], ME, "Plans du bâtiment", when, [("plans-bâtiment.pdf", "application/pdf", "pdf", 6 * MiB, "attachment")]), when, "S")
    when = NOW - 200 * DAY
    write("INBOX", with_attachments(PEOPLE[3], ME, "Fotos vom Ausflug", when, [("fotos.zip", "application/zip", "zip", 8 * MiB, "attachment"), ("notes.pdf", "application/pdf", "pdf", 300 * 1024, "attachment")]), when, "S")
    inner = with_attachments(PEOPLE[4], PEOPLE[0], "Contratto firmato", NOW - 95 * DAY, [("contratto.pdf", "application/pdf", "pdf", 5 * MiB + 512 * 1024, "attachment")])
    when = NOW - 90 * DAY
    write("INBOX", forwarded(PEOPLE[0], ME, "Fwd: Contratto firmato", when, inner), when, "S")
    when = NOW - 30 * DAY
    write("INBOX", related(PEOPLE[2], ME, "Le chantier", when, 2 * MiB), when, "S")
    when = NOW - 12 * DAY
    write("INBOX", with_attachments(PEOPLE[2], ME, "winmail from Outlook", when, [("winmail.dat", "application/ms-tnef", "dat", 1 * MiB, "attachment"), (None, "application/octet-stream", "dat", 64 * 1024, "attachment")]), when, "")
    when = NOW - 5 * DAY
    write("INBOX", bounce_postfix(when, "paul@full.example.org", "5.2.2", "552 5.2.2 Mailbox full; over quota", "Réunion lundi"), when, "")
    when = NOW - 4 * DAY
    write("INBOX", bounce_exim(when, "nobody@example.net", "550 5.1.1 <nobody@example.net>: User unknown"), when, "")
    when = NOW - 3 * DAY
    write("INBOX", bounce_qmail(when, "jo@example.com", "Sorry, I couldn't find any host named example.com. (#5.1.2)"), when, "S")
    when = NOW - 2 * DAY
    write("INBOX", bounce_exchange(when, "marc@example.com", "The email address you entered couldn't be found."), when, "")
    when = NOW - 1 * DAY
    write("INBOX", bounce_postfix(when, "lea@example.org", "5.3.4", "552 5.3.4 Message size exceeds fixed maximum message size", "Photos"), when, "")

    # Sent: the biggest folder: two years of replies, many with attachments.
    for i in range(60):
        when = NOW - (i * 12 + 1) * DAY
        to = PEOPLE[i % len(PEOPLE)]
        if i % 6 == 0:
            raw = with_attachments(ME, to, f"Documents {i}", when, [(f"document-{i}.pdf", "application/pdf", "pdf", (1 + i % 4) * 700 * 1024, "attachment")])
        else:
            raw = plain(ME, to, f"Re: Weekly notes #{i}", when, 200)
        write("Sent", raw, when, "S")
    # A second Sent folder, as Outlook creates beside the standard one.
    for i in range(8):
        when = NOW - (i * 20 + 3) * DAY
        write("Éléments envoyés", plain(ME, PEOPLE[i % 5], f"Envoyé depuis Outlook {i}", when), when, "S")

    write("Drafts", plain(ME, PEOPLE[0], "Draft: holiday plans", NOW - 6 * DAY), NOW - 6 * DAY, "DS")
    for i in range(10):
        when = NOW - (i * 9 + 20) * DAY
        write("Trash", plain(PEOPLE[i % 5], ME, f"Old newsletter {i}", when, 400), when, "S")
    spam = ["You won a prize", "Cheap meds", "Your account is locked", "Invoice overdue (not really)", "Crypto opportunity"]
    for i in range(15):
        when = NOW - (i * 5 + 1) * DAY
        frm = ("Promo", f"promo{i}@spam.example")
        subject = spam[i % len(spam)] if i != 7 else "Facture de mars (vraie, classée à tort)"
        write("Junk", plain(frm, ME, subject, when, 80), when, "S" if i % 3 == 0 else "")
    for i in range(20):
        when = NOW - (1500 - i * 15) * DAY
        write("Archives/2021", plain(PEOPLE[i % 5], ME, f"Projet 2021 — étape {i}", when), when, "S")
    for i in range(20):
        when = NOW - (1150 - i * 15) * DAY
        write("Archives/2022", plain(PEOPLE[i % 5], ME, f"Projekt 2022 — Schritt {i}", when), when, "S")


if __name__ == "__main__":
    main()
