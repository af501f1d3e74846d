"""The verifier's answer: a table of named checks in Chinese and English, then a verdict."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from placement.canonical import Json
from verifier.checks import Check, Status

KINDS = {
    "bundle": ("记录包", "record bundle"),
    "season": ("招生季记录", "season record"),
    "statement": ("班级名单声明", "class statement"),
    "document": ("签名文件", "signed document"),
    "receipt": ("学生回执", "pupil receipt"),
    "reference": ("二维码引用", "QR reference"),
    "sheets": ("分班名单 PDF", "class-list PDF"),
}
UNTRUSTED = 3  # spec §23.2: verified, but only with the bundle's own keys
LABELS = {Status.PASS: "通过 PASS", Status.FAIL: "失败 FAIL", Status.SKIP: "跳过 SKIP"}


@dataclass(frozen=True, slots=True)
class Report:
    """Every check run on one input, and what they add up to."""

    kind: str
    source: str
    checks: tuple[Check, ...]
    remark: tuple[str, str] | None = None  # said with the verdict, e.g. "the draw was cancelled"
    trust: str = "keyring"  # "keyring", "pinned" or "bundle" (spec §23.2)

    @property
    def verified(self) -> bool:
        """Every check passed, or was skipped only because there was nothing to check."""
        return bool(self.checks) and not any(c.blocks for c in self.checks)

    @property
    def exit_code(self) -> int:
        if not self.verified:
            return 1
        return UNTRUSTED if self.trust == "bundle" else 0

    def verdict(self) -> tuple[str, str]:
        counts = Counter(c.status for c in self.checks)
        failed = [c.name for c in self.checks if c.status is Status.FAIL]
        blocked = [c.name for c in self.checks if c.blocks and c.status is Status.SKIP]
        if self.verified:
            skipped = counts[Status.SKIP]
            extra_zh = f"，{skipped} 项无需检查" if skipped else ""
            extra_en = f", {skipped} not applicable" if skipped else ""
            zh, en = self.remark or ("", "")
            if self.trust == "bundle":
                passed = counts[Status.PASS]
                return (
                    (
                        f"结论：仅按记录包自带公钥核验，未确认签名者——{passed} 项检查"
                        f"通过{extra_zh}{zh}；请用 --keyring 或 --key-fingerprint 核验"
                    ),
                    (
                        "Verdict: VERIFIED WITH THE BUNDLE'S OWN KEYS ONLY — NOT AUTHENTICATED "
                        f"— {passed} checks passed{extra_en}{en}; use --keyring or "
                        "--key-fingerprint"
                    ),
                )
            return (
                f"结论：核验通过——{counts[Status.PASS]} 项检查全部通过{extra_zh}{zh}",
                f"Verdict: VERIFIED — all {counts[Status.PASS]} checks passed{extra_en}{en}",
            )
        if failed:
            names = ", ".join(failed)
            return (
                f"结论：核验未通过——{len(failed)} 项检查失败：{names}",
                f"Verdict: NOT VERIFIED — {len(failed)} checks failed: {names}",
            )
        names = ", ".join(blocked)
        return (
            f"结论：未能完成核验——{len(blocked)} 项检查无法进行：{names}",
            f"Verdict: NOT VERIFIED — {len(blocked)} checks could not be done: {names}",
        )

    def to_json(self) -> dict[str, Json]:
        counts = Counter(c.status.value for c in self.checks)
        zh, en = self.verdict()
        return {
            "kind": self.kind,
            "source": self.source,
            "verified": self.verified,
            "exit_code": self.exit_code,
            "trust": self.trust,
            "verdict_zh": zh,
            "verdict_en": en,
            "summary": {s.value: counts[s.value] for s in Status},
            "checks": [c.to_json() for c in self.checks],
        }

    def table(self) -> str:
        zh, en = KINDS.get(self.kind, (self.kind, self.kind))
        lines = [f"核验{zh} / verifying a {en}: {self.source}", ""]
        width = max((len(c.name) for c in self.checks), default=0)
        for c in self.checks:
            lines.append(f"[{LABELS[c.status]}] {c.name.ljust(width)}  {c.title_zh} / {c.title_en}")
            pad = " " * (len(LABELS[c.status]) + 3)
            lines.append(f"{pad}{c.message_zh}")
            if c.message_en != c.message_zh:
                lines.append(f"{pad}{c.message_en}")
        lines += ["", *self.verdict()]
        return "\n".join(lines) + "\n"
