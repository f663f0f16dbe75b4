"""Exit codes of every x12tool command (README, "Exit codes")."""

OK = 0  # nothing to hold: every claim is ready (or corrected)
HELD = 1  # at least one claim would be (or was) held, or error findings
USAGE = 2  # bad command line, bad option value, unreadable profile/visit file
INPUT = 3  # input not processable: not X12, broken envelope, unsupported version
INTERNAL = 4  # a bug in x12tool: a crash report was written (no PHI in it)
LOCKED = 5  # another x12tool run holds the output folder's (or outbox's) lock; nothing was done
UPLOAD = 6  # outbox: an --upload-cmd failed; the file stays in upload/ and is retried next run
