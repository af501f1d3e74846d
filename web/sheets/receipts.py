"""Every pupil's receipt (spec §17) at once, for the admission notices.

The same document as :meth:`web.record.draw.DrawRecord.receipt`, built from one Merkle
tree for the whole roster instead of one per pupil.
"""

from __future__ import annotations

from placement.canonical import Json
from placement.commitment import leaves_root
from placement.documents import receipt
from placement.merkle import MerkleTree
from web.sheets.source import DrawSource, SheetError


def receipts(src: DrawSource) -> list[dict[str, Json]]:
    """One receipt per leaf index; ``class`` is null before the draw."""
    if src.private is None:
        raise SheetError(
            "入学通知书需要 private/leaves.json", "admission notices need the private leaves"
        )
    hashes, root = leaves_root(src.leaves)
    tree = MerkleTree.from_leaf_hashes(hashes)
    classes: dict[int, Json] = {}
    for c in src.classes:
        for row in c.rows:
            classes[row.leaf] = {"label": c.label, "number": c.number}
    return [
        receipt(
            draw_id=src.draw_id,
            index=i,
            leaf=leaf,
            private=src.private[i],
            proof=tree.inclusion_proof(i),
            root=root,
            size=len(src.leaves),
            placed=classes.get(i),
        )
        for i, leaf in enumerate(src.leaves)
    ]
