"""Which sent lines a remittance (835) frees from an authorization's count (docs/payers.md,
"Denied visits").

A sent line stops using its authorization slot only when the payer says the service was not
under the authorization: the current remittance line matched to it paid nothing and carries
CARC 197 (precertification/authorization absent), 198 (precertification/authorization
exceeded) or 15 (authorization number missing, invalid or not matching) with a non-zero
amount, on the line or, for a line without adjustments of its own, on its claim. Any group
code (CO, PR, OA, PI). Every other outcome keeps the line counting: paid lines, and denials
for any other reason (CO-97, CO-151, PR-204 ...), since the visit was still rendered under the
authorization.

* **Current remittance.** The import keeps one adjudication per payer claim control number and
  a reversal (CLP02 = 22) removes the lines it takes back; of what is left for a line the one
  with the latest payment date decides. When two of that date disagree, the line counts.
* **Corrected after the denial.** A replacement (CLM05-3 = 7) sent after the remittance's
  payment date is a new request the denial did not see: it counts until a remittance of its
  own frees it.
"""

from __future__ import annotations

# X12 CARC: 15 = the authorization number is missing, invalid, or does not apply to the billed
# services or provider; 197 = precertification/authorization/notification/pre-treatment absent;
# 198 = precertification/notification/authorization/pre-treatment exceeded.
FREEING_CARCS = ("15", "197", "198")


def freed_lines(remit_lines, adjustments, sent) -> dict[tuple[str, str, str, str], str]:
    """The sent lines a remittance frees, each with the group-CARC that freed it.

    remit_lines: (claim_id, line_key, service_date, code, remit_id, line_no, paid_on,
    paid_cents, denied) of the member's matched remittance lines. adjustments: (remit_id,
    line_no, group, carc) of non-zero adjustments of those remittances. sent: (claim_id,
    line_key, service_date, code) -> (recorded on date, claim frequency) of the sent lines.
    """
    own: dict[tuple[str, int], list[str]] = {}
    for remit_id, line_no, grp, carc in adjustments:
        own.setdefault((remit_id, int(line_no)), []).append(f"{grp}-{carc}")
    latest: dict[tuple, list[tuple[str, str | None]]] = {}
    for claim_id, key, day, code, remit_id, line_no, paid_on, paid, denied in remit_lines:
        line = (claim_id, key, day, code)
        if line not in sent:
            continue
        recorded, frequency = sent[line]
        if frequency == "7" and recorded > paid_on:
            continue  # a correction sent after this remittance: not what it adjudicated
        reasons = own.get((remit_id, int(line_no))) or own.get((remit_id, 0), [])
        why = None
        if int(denied) and int(paid) == 0:
            why = next((r for r in reasons if r.split("-", 1)[1] in FREEING_CARCS), None)
        seen = latest.get(line)
        if seen is None or paid_on > seen[0][0]:
            latest[line] = [(paid_on, why)]
        elif paid_on == seen[0][0]:
            seen.append((paid_on, why))
    out = {}
    for line, outcomes in latest.items():
        if all(why for _p, why in outcomes):
            out[line] = outcomes[-1][1]
    return out
