"""Knowledge base benchmark: index build time and answer latency, printed as one JSON line.

    .venv/bin/python bench/bench_kb.py [--docs 1000] [--rounds 20] [--seed 7]

Measures the bundled corpus alone and the bundled corpus plus generated documents (made by
recombining the bundled speeches' sentences into new speeches with sections and demands), each
with a question mix of term questions, paraphrased questions and questions with no answer.
Not a timed test: the goal (p95 under 20 ms on the bundled corpus) is read, not asserted.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from domain.knowledge import KnowledgeBase  # noqa: E402
from domain.knowledge.corpus import parse_document  # noqa: E402
from domain.knowledge.text import split_sentences  # noqa: E402
from storage.documents import load_knowledge  # noqa: E402

BUNDLED = REPO / "config" / "corpus"
QUESTIONS = [
    # term questions in their usual forms
    "什么是四个一律",
    "三个坚持是指什么",
    "三个突出的内容",
    "五个一批是什么",
    "13710督办制度",
    "回头看是什么意思",
    "黑名单",
    # paraphrased questions
    "对屡次整改不到位的企业怎么办",
    "汛期要注意什么",
    "汛期哪些行业领域容易出事",
    "大检查怎么考核",
    "煤矿要重点治理哪些灾害",
    "节日期间值班有什么要求",
    "企业主体责任包括哪些",
    "隐患排查治理体系是怎样的",
    # nothing to find
    "今天天气怎么样",
    "食堂几点开饭",
    "公司年会什么时候开",
    "安全帽怎么戴",
    "加班费怎么算",
]
_NUMERALS = "一二三四五六七八九"


def generate_documents(count: int, seed: int) -> dict[str, str]:
    """Speeches made of the bundled sentences, shuffled into sections (一、) and demands (一要/一是)."""
    rng = random.Random(seed)
    sentences: list[str] = []
    for path in sorted(BUNDLED.glob("*.txt")):
        doc = parse_document(path.stem, path.read_text(encoding="utf-8"), bundled=True)
        for passage in doc.passages:
            for start, end in split_sentences(passage.text):
                sentence = passage.text[start:end].strip()
                # Drop the original numbering so the generated structure is the only one.
                if len(sentence) > 8 and sentence[:1] not in _NUMERALS:
                    sentences.append(sentence)
    documents: dict[str, str] = {}
    for n in range(count):
        lines = ["同志们：", "".join(rng.sample(sentences, 3))]
        for section in range(rng.randint(2, 4)):
            lines.append(f"{_NUMERALS[section]}、{rng.choice(sentences)[:14].rstrip('，。；')}")
            marker = rng.choice("是要")
            for item in range(rng.randint(2, 4)):
                body = "".join(rng.sample(sentences, rng.randint(2, 5)))
                lines.append(f"{_NUMERALS[item]}{marker}{body}")
        lines.append("同志们，" + rng.choice(sentences))
        documents[f"gen_{n:04d}"] = "\n".join(lines) + "\n"
    return documents


def _p95(samples: list[float]) -> float:
    return round(sorted(samples)[int(0.95 * (len(samples) - 1))], 3)


def measure(kb: KnowledgeBase, rounds: int) -> dict[str, float]:
    """Answer latency over the question mix, in milliseconds: first asks (cold word caches) and all."""
    samples: list[float] = []
    for _ in range(rounds):
        for question in QUESTIONS:
            started = time.perf_counter()
            kb.answer(question)
            samples.append((time.perf_counter() - started) * 1000)
    return {
        "p50_ms": round(statistics.median(samples), 3),
        "p95_ms": _p95(samples),
        "max_ms": round(max(samples), 3),
        "first_ask_p95_ms": _p95(samples[: len(QUESTIONS)]),
        "answers": len(samples),
    }


def time_add_remove(kb: KnowledgeBase, text: str) -> dict[str, float]:
    """Seconds to add one document and to remove it again (each re-indexes the corpus)."""
    started = time.perf_counter()
    kb.add_document("bench_added", None, text)
    added = time.perf_counter() - started
    started = time.perf_counter()
    kb.remove_document("bench_added")
    removed = time.perf_counter() - started
    return {"add_document_s": round(added, 3), "remove_document_s": round(removed, 3)}


def main() -> None:
    """Run the benchmark and print one JSON line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=1000, help="generated documents added to the bundled corpus")
    parser.add_argument("--rounds", type=int, default=20, help="times each question is asked")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    started = time.perf_counter()
    bundled = load_knowledge(BUNDLED)  # includes loading jieba's dictionary, once per process
    cold_build = time.perf_counter() - started
    started = time.perf_counter()
    bundled = load_knowledge(BUNDLED)
    bundled_build = time.perf_counter() - started
    bundled_latency = measure(bundled, args.rounds)
    generated = generate_documents(args.docs + 1, args.seed)
    extra_text = generated.pop(f"gen_{args.docs:04d}")
    bundled_updates = time_add_remove(bundled, extra_text)

    with tempfile.TemporaryDirectory() as folder:
        extra = Path(folder)
        for doc_id, text in generated.items():
            (extra / f"{doc_id}.txt").write_text(text, encoding="utf-8")
        started = time.perf_counter()
        large = load_knowledge(BUNDLED, extra)
        large_build = time.perf_counter() - started
        large_latency = measure(large, args.rounds)
        large_updates = time_add_remove(large, extra_text)
        passages = sum(info.passages for info in large.documents())

    print(
        json.dumps(
            {
                "bench": "knowledge_base",
                "bundled": {
                    "documents": len(bundled.documents()),
                    "passages": sum(info.passages for info in bundled.documents()),
                    "build_s_cold": round(cold_build, 3),
                    "build_s": round(bundled_build, 3),
                    **bundled_latency,
                    **bundled_updates,
                },
                "with_generated": {
                    "documents": len(large.documents()),
                    "passages": passages,
                    "chars": sum(len(text) for text in generated.values()),
                    "build_s": round(large_build, 3),
                    **large_latency,
                    **large_updates,
                },
                "goal_p95_ms_bundled": 20,
            },
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    main()
