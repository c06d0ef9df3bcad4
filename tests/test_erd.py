"""docs/schema.md is the diagram of what a load really creates: regenerated and compared."""

from __future__ import annotations

from pathlib import Path

import pytest

from dlt_gong.erd import document, sandbox_schema

DOC = Path(__file__).resolve().parents[1] / "docs" / "schema.md"


@pytest.mark.slow  # a whole sandbox load of every table; CI runs it in make test-slow
def test_schema_diagram_is_current() -> None:
    schema = sandbox_schema()
    assert DOC.read_text() == document(schema), "docs/schema.md is stale: run `make erd`"
    text = DOC.read_text()
    for table in ("calls", "calls__parties", "call_transcript_sentences", "users"):
        assert f"    {table} {{" in text
    assert '    calls ||--o{ call_transcripts : "id = call_id"' in text
    assert '    calls ||--o{ calls__parties : "_dlt_parent_id"' in text
