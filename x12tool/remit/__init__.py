"""835 (005010X221A1) remittances: reader, ledger import, denial analytics (docs/remittance.md).

* :mod:`.model`, :mod:`.parse`: the 835 loops as objects, streamed claim by claim.
* :mod:`.validate`: pyx12's 835 map, read from its return value and error list.
* :mod:`.store`: matching to the claims preflight sent and storing in the ledger.
* :mod:`.analytics`: denial figures and the patterns DEN001 warns about.
"""
