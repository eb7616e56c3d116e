"""Re-checking the stored PDFs of issued letters against the SHA-256 recorded at issuance
(`python manage.py verify_letters`): after a restore from backup, a disk fault or an edit by
hand, every letter that is missing or changed is named."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from dataclasses import field

from replies.models import IssuedLetter

CHUNK = 1024 * 1024


@dataclass(frozen=True)
class LetterProblem:
    letter_id: int
    doc_number: str
    path: str
    problem: str

    def __str__(self) -> str:
        return f"{self.doc_number}（#{self.letter_id}，{self.path or '无文件'}）：{self.problem}"


@dataclass
class VerifyResult:
    checked: int = 0
    without_pdf: int = 0
    problems: list[LetterProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


def _sha256(letter: IssuedLetter) -> str:
    digest = hashlib.sha256()
    with letter.pdf.open("rb") as f:
        for chunk in iter(lambda: f.read(CHUNK), b""):
            digest.update(chunk)
    return digest.hexdigest()


def letters_verify(*, letters: Iterator[IssuedLetter] | None = None) -> VerifyResult:
    """Read every stored PDF (in chunks) and compare its SHA-256 with the recorded one."""
    result = VerifyResult()
    queryset = IssuedLetter.objects.only("pk", "doc_number", "pdf", "pdf_sha256").order_by("pk")
    for letter in letters if letters is not None else queryset.iterator(chunk_size=500):
        if not letter.pdf:
            result.without_pdf += 1
            continue
        result.checked += 1
        name = letter.pdf.name or ""
        try:
            actual = _sha256(letter)
        except FileNotFoundError:
            result.problems.append(LetterProblem(letter.pk, letter.doc_number, name, "文件缺失"))
            continue
        except OSError as exc:
            result.problems.append(
                LetterProblem(letter.pk, letter.doc_number, name, f"无法读取：{exc}")
            )
            continue
        if actual != letter.pdf_sha256:
            result.problems.append(
                LetterProblem(
                    letter.pk,
                    letter.doc_number,
                    name,
                    f"SHA-256 不符（存档 {letter.pdf_sha256[:12]}…，文件 {actual[:12]}…）",
                )
            )
    return result
