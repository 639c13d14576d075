"""The page's rebuild: ``qa build`` (incremental) in a background thread, one at a time, with its
progress; and what a build or a reader says, in Chinese, for the administrator.

Questions keep being answered from the old index while the build runs: it writes a new
folder and swaps it in, and ``LiveRetriever`` switches to it only then (here at once).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal

from qa.build.builder import build_index
from qa.errors import AdminError, BuildInProgressError, QAError
from qa.index.atomic import exclusive
from qa.index.layout import read_manifest
from qa.index.location import Location, is_database
from qa.ingest import SUPPORTED_SUFFIXES
from qa.model.embedder import Embedder
from qa.retrieve.live import LiveRetriever

log = logging.getLogger(__name__)

STAGES = {
    "starting": "准备",
    "reading": "读取文档",
    "passages": "嵌入段落",
    "sentences": "嵌入句子",
    "tokenising": "分词、建立关键词索引",
    "writing": "写入新索引",
    "switching": "切换到新索引",
}
OTHER_BUILD = "另一个索引构建（例如命令行的 qa build）正在写入索引，请等它完成后再试。"
# What ``qa.ingest`` and ``qa.build`` say (in English) -> the reason in Chinese; the first match wins.
_REASONS = (
    ("Nothing to index", "文档目录中没有可索引的文档"),
    ("Cannot write next to", "无法写入索引目录"),
    ("cannot tell the encoding", "无法识别文本编码，请另存为 UTF-8 后再上传"),
    ("byte-order mark", "文本编码与文件开头的标记不符，请另存为 UTF-8 后再上传"),
    ("binary file", "不是文本文件"),
    ("encrypted with a password", "已加密，请另存为无密码副本"),
    ("password-protected", "已加密，请另存为无密码副本"),
    ("zip bomb", "压缩包解压后异常巨大（疑似“压缩炸弹”），已拒绝"),
    ("climbs out of the archive", "压缩包内的路径指向包外（../），已拒绝"),
    ("encrypted inside the archive", "压缩包内的文件设有解压密码，请解压后再添加"),
    ("is an archive", "是压缩包，其中的文件会逐个读取"),
    ("damaged or incomplete", "文件已损坏或不完整（可能被截断），请取得完整的文件，或在 Word/WPS 中重新保存"),
    ("needs LibreOffice", "读取此类文件需要 LibreOffice，但本机未安装"),
    (
        "LibreOffice did not finish",
        "LibreOffice 转换超时（文件可能已损坏或过大），请在 Word/WPS 中另存为 .docx",
    ),
    (
        "LibreOffice could not load",
        "LibreOffice 无法打开（文件可能已损坏或格式不符），请在 Word/WPS 中另存为 .docx",
    ),
    ("private glyph map", "OFD 文件的文字使用私有字形编码，无法读取，请导出为 PDF 或 .docx"),
    ("its bytes are not", "文件内容与扩展名不符，不是该格式的文件"),
    ("old Word .doc", "是旧版 .doc 文件，请在 Word/WPS 中另存为 .docx"),
    ("not a valid Word", "不是有效的 .docx 文件（可能已损坏或扩展名不符），请在 Word/WPS 中重新保存"),
    ("not a PDF file", "不是 PDF 文件（扩展名与内容不符）"),
    ("not a readable PDF", "PDF 文件已损坏，无法读取"),
    ("OCR recognised none", "PDF 没有文字层，文字识别也没有认出文字（空白或太模糊？），请重新扫描"),
    ("no text was recognised", "图片中没有识别出文字（没有文字或太模糊），请重新扫描或另存为 .txt"),
    ("not a readable image", "图片文件已损坏，无法读取"),
    ("OCR needs rapidocr", "读取扫描件和照片需要文字识别组件 rapidocr，但本机未安装（请运行 make install）"),
    ("OCR models are missing", "文字识别组件的模型文件缺失，请重新安装 rapidocr"),
    ("no text layer", "PDF 没有文字层（可能是扫描件），请先做文字识别或另存为 .txt"),
    ("the PDF has no pages", "PDF 没有页面"),
    ("not a readable HTML", "不是可读取的网页文件"),
    ("no main text found", "网页中找不到正文（只有菜单、链接或空白）"),
    ("has no text", "文件中没有文字（可能只有图片）"),
    ("no text left after cleaning", "清理后没有剩下正文（全部被识别为网页杂项等）"),
    ("is empty", "文件为空"),
    ("MB limit", "文件超过大小上限（QA_MAX_DOCUMENT_MB），请拆分或调高上限"),
    ("unsupported file type", f"不支持的文件类型（可用 {' '.join(SUPPORTED_SUFFIXES)}）"),
    ("same content as", "与另一个文件内容相同，只索引一次"),
    ("cannot be read", "无法读取"),
)


def reason_zh(message: str) -> str:
    """A problem as ``qa.ingest`` or ``qa.build`` words it, in Chinese (the original kept as detail)."""
    reason = next((zh for en, zh in _REASONS if en in message), "无法读取")
    return f"{reason}（详情：{message}）"


@dataclass(frozen=True)
class BuildStatus:
    """A rebuild: ``stage`` (a key of ``STAGES``) and, while embedding, ``done`` of ``total`` texts."""

    state: Literal["idle", "running", "done", "failed"] = "idle"
    stage: str = ""
    done: int = 0
    total: int = 0
    message: str = ""
    started: float | None = None
    finished: float | None = None

    @property
    def running(self) -> bool:
        """Whether the rebuild is under way."""
        return self.state == "running"


class Rebuilder:
    """Runs ``build_index(seeds, index_dir)`` in a background thread, one at a time, and keeps its status.

    ``embedder`` gives the model to build with when a rebuild starts; ``live``, if given,
    switches to the new index as soon as it is in place.
    """

    def __init__(
        self,
        seeds: Path,
        index_dir: Location,
        embedder: Callable[[], Embedder],
        live: LiveRetriever | None = None,
    ) -> None:
        self.seeds, self.index_dir = seeds, index_dir
        self.embedder = embedder
        self.live = live
        self._lock = threading.Lock()
        self._status = BuildStatus()
        self._thread: threading.Thread | None = None

    def status(self) -> BuildStatus:
        """The current (or last) rebuild."""
        with self._lock:
            return self._status

    def start(self) -> BuildStatus:
        """Start a rebuild; ``AdminError`` while one (this one, or ``qa build`` elsewhere) is running."""
        with self._lock:
            if self._thread is not None and self._thread.is_alive():
                raise AdminError("已有一次索引重建正在进行，请等它完成后再试。")
            try:  # another process's build holds the lock: say so now rather than after starting
                if not is_database(self.index_dir):  # a database's lock is tried when the build starts
                    with exclusive(Path(self.index_dir).resolve()):
                        pass
            except BuildInProgressError as exc:
                raise AdminError(OTHER_BUILD) from exc
            except QAError as exc:
                raise AdminError(f"无法重建索引：{reason_zh(str(exc))}") from exc
            self._status = BuildStatus("running", "starting", started=time.time())
            self._thread = threading.Thread(target=self._run, name="admin-rebuild", daemon=True)
            self._thread.start()
            return self._status

    def wait(self, timeout: float | None = None) -> BuildStatus:
        """Wait for the running rebuild to end; its status."""
        thread = self._thread
        if thread is not None:
            thread.join(timeout)
        return self.status()

    def _heard(self, stage: str, done: int, total: int) -> None:
        with self._lock:
            self._status = replace(self._status, stage=stage, done=done, total=total)

    def _finish(self, state: Literal["done", "failed"], message: str) -> None:
        with self._lock:
            self._status = replace(self._status, state=state, message=message, finished=time.time())

    def _run(self) -> None:
        try:
            before = indexed_documents(self.index_dir)
            manifest = build_index(self.seeds, self.index_dir, self.embedder(), on_progress=self._heard)
            self._heard("switching", 0, 0)
            message = build_summary_zh(manifest, time.time() - (self.status().started or time.time()))
            message += left_index_zh(left_index(before, manifest))
            if not self._switch(f"{manifest['fingerprint']}@{manifest['created']}"):
                message += "但新索引未能加载，问答仍使用旧索引（详见服务日志）。"
            self._finish("done", message)
        except BuildInProgressError:
            self._finish("failed", f"本次未重建：{OTHER_BUILD}")
        except QAError as exc:
            self._finish("failed", f"重建失败，索引未改变：{reason_zh(str(exc))}")
        except Exception as exc:  # an unexpected failure must still end the rebuild, with its reason
            log.exception("The rebuild failed")
            self._finish("failed", f"重建失败，索引未改变：{type(exc).__name__}: {exc}")

    def _switch(self, build_id: str) -> bool:
        """Make ``live`` serve the build ``build_id`` now; False if it could not load it."""
        if self.live is None:
            return True
        self.live.reload()
        return self.live.current().index.build_id == build_id


def build_summary_zh(manifest: dict[str, Any], seconds: float) -> str:
    """What a finished build indexed, computed and skipped, and how long it took, in Chinese."""
    done = manifest["build"]
    text = (
        f"重建完成：共 {len(manifest['documents'])} 篇文档、{manifest['passage_count']} 段"
        f"（读取 {done['documents_read']} 篇，沿用 {done['documents_reused']} 篇；"
        f"新嵌入 {done['passages_embedded']} 段、{done['sentences_embedded']} 句），"
        f"用时 {seconds:.1f} 秒。"
    )
    skipped = manifest.get("skipped", {})
    if skipped:
        text += f"跳过 {len(skipped)} 个文件：" + "；".join(
            f"{name}：{reason_zh(reason)}" for name, reason in skipped.items()
        )
    return text


def indexed_documents(index_dir: Location) -> dict[str, dict[str, Any]]:
    """The documents the index in ``index_dir`` holds (its manifest's records); none without one."""
    try:
        return dict(read_manifest(index_dir)["documents"])
    except (QAError, KeyError):
        return {}


@dataclass(frozen=True)
class Left:
    """A document a rebuild took out of the index: its name, title, date and passages."""

    source: str
    title: str
    date: str | None
    passages: int


def left_index(before: dict[str, dict[str, Any]], manifest: dict[str, Any]) -> list[Left]:
    """The documents of ``before`` (``indexed_documents``) that the new index (``manifest``) lacks."""
    now = manifest["documents"]
    return [
        Left(source, info.get("title", ""), info.get("date"), int(info.get("passages", 0)))
        for source, info in sorted(before.items())
        if source not in now
    ]


def left_index_zh(left: list[Left]) -> str:
    """What left the index, in Chinese: the count of documents and passages, then each one."""
    if not left:
        return ""
    each = "；".join(f"《{d.title or d.source}》（{d.source}，{d.passages} 段）" for d in left)
    return f"从索引中移除 {len(left)} 篇文档、{sum(d.passages for d in left)} 段：{each}。"
