"""The synchronous facade, for scripts and notebooks."""
from revstore.sync import Revstore

with Revstore.spawn(memory=True) as db:
    s = db.session("notebook", create=True)
    s.put("Cell", {"source": "print(1)"}, id="c1")
    with s.turn(message="run all") as t:
        t.put("Output", {"text": "1"}, id="o1")
    print([e.id for e in s.query()])
