import hashlib

import pytest
import yaml

from aidiscourse.config import Paths, find_root
from aidiscourse.errors import AidiscourseError
from aidiscourse.corpus.manifest import decode_text, load_manifest, read_raw, validate_manifest


def test_manifest_lists_every_raw_file_with_its_hash(paths):
    docs = load_manifest(paths)
    assert len(docs) >= 5
    assert sorted(d.file for d in docs) == sorted(p.name for p in paths.raw.glob("*.txt"))
    for doc in docs:
        assert hashlib.sha256((paths.raw / doc.file).read_bytes()).hexdigest() == doc.sha256


def test_raw_files_are_the_seeds_byte_for_byte(paths):
    seeds = paths.root.parent / "shared" / "seeds"
    if not seeds.is_dir():
        pytest.skip("../shared/seeds is not beside this checkout")
    seed_hashes = {hashlib.sha256(p.read_bytes()).hexdigest() for p in seeds.glob("*.txt")}
    assert seed_hashes <= {d.sha256 for d in load_manifest(paths)}


def _write_manifest(root, data):
    (root / "data" / "corpus.yml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")


@pytest.mark.parametrize(
    "change, expected",
    [
        (lambda d: d.update(script="trad"), "document 'ipp-2025': field 'script'"),
        (lambda d: d.pop("licence"), "document 'ipp-2025': field 'licence' is missing"),
        (lambda d: d.update(sha256="abc"), "document 'ipp-2025': field 'sha256'"),
        (lambda d: d.update(source_type="blog"), "document 'ipp-2025': field 'source_type'"),
        (lambda d: d["people"][0].update(role="host"), "document 'ipp-2025': field 'people.0.role'"),
    ],
)
def test_invalid_manifest_names_entry_and_field(project_copy, change, expected):
    data = yaml.safe_load((project_copy / "data" / "corpus.yml").read_text(encoding="utf-8"))
    entry = next(d for d in data["documents"] if d["id"] == "ipp-2025")
    change(entry)
    _write_manifest(project_copy, data)
    with pytest.raises(AidiscourseError, match="^data/corpus.yml: " + expected):
        load_manifest(Paths(project_copy))


@pytest.mark.parametrize("change", [
    lambda d: None,
    lambda d: d.update(script="trad"),
    lambda d: d.pop("licence"),
    lambda d: d.update(sha256="abc"),
    lambda d: d.update(sha256=d["sha256"].upper()),
    lambda d: d.update(date="yesterday"),
    lambda d: d.update(date=20250101),
    lambda d: d.update(format="rtf"),
    lambda d: d.update(language="en"),
    lambda d: d.update(unknown_field="x"),
    lambda d: d.update(people=[]),
    lambda d: d["people"][0].update(role="host"),
    lambda d: d["people"][0].pop("name"),
    lambda d: d.update(title=""),
    lambda d: d.update(title=None),
])
def test_fast_schema_check_agrees_with_jsonschema(paths, change):
    """The compiled schema decides alone only when it finds no problem; it must never
    pass a manifest that jsonschema refuses (nor refuse one it passes)."""
    import jsonschema

    from aidiscourse.corpus import manifest

    data = yaml.safe_load(paths.manifest.read_text(encoding="utf-8"))
    change(data["documents"][1])
    slow = jsonschema.Draft202012Validator(manifest._schema()).is_valid(data)
    try:
        manifest._compiled_schema()(data)
        fast = True
    except Exception:
        fast = False
    assert fast == slow


def test_duplicate_ids_are_refused(paths):
    data = yaml.safe_load(paths.manifest.read_text(encoding="utf-8"))
    data["documents"].append(dict(data["documents"][0], file="other.txt"))
    with pytest.raises(AidiscourseError, match="id 'zhong-2025' is used twice"):
        validate_manifest(data)


def test_hash_check_fires_on_a_modified_copy(project_copy):
    target = project_copy / "data" / "raw" / "tian-2025.txt"
    target.write_bytes(target.read_bytes() + "多出来的一句。".encode("utf-8"))
    doc = next(d for d in load_manifest(Paths(project_copy)) if d.id == "tian-2025")
    with pytest.raises(AidiscourseError) as info:
        read_raw(Paths(project_copy), doc)
    message = str(info.value)
    assert "data/raw/tian-2025.txt" in message
    assert doc.sha256 in message and hashlib.sha256(target.read_bytes()).hexdigest() in message


def test_find_root_looks_upward(project_copy):
    deeper = project_copy / "notebooks" / "sub"
    deeper.mkdir(parents=True)
    assert find_root(deeper) == project_copy
    with pytest.raises(AidiscourseError, match="no project found"):
        find_root(project_copy.parent)


@pytest.mark.parametrize("encoding", ["gb18030", "big5"])
def test_decode_text_detects_chinese_legacy_encodings(encoding):
    text = "中國與民主資本主義體系：第四次產業革命中的制度競爭。" * 5 if encoding == "big5" else "中国与民主资本主义体系：第四次产业革命中的制度竞争。" * 5
    decoded, detected = decode_text(text.encode(encoding))
    assert decoded == text
    assert detected == encoding


def test_decode_text_refuses_binary_and_empty():
    with pytest.raises(AidiscourseError, match="empty"):
        decode_text(b"  \n")
    with pytest.raises(AidiscourseError, match="not a text file"):
        decode_text(bytes(range(256)) * 4)
