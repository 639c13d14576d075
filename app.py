"""Start the chat page: ``python app.py [--host H] [--port P] [--index DIR] [--seeds DIR]``.

Binding to an address other than loopback is a deliberate choice (``--host`` or ``QA_HOST``);
without a login (``QA_AUTH`` / ``QA_AUTH_FILE``) it prints a warning. The 文档管理 tab manages
the documents folder (``--seeds``, ``QA_SEEDS_DIR``) and rebuilds the index folder the page
answers from (``--index``, ``QA_INDEX_DIR``), for the login named by ``QA_ADMIN`` (without
logins, for whoever opens a page bound to 127.0.0.1). ``python app.py --help`` lists every
setting.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path

from qa.errors import QAError

# Every environment variable the page reads, as ``--help`` shows them.
SETTINGS = """environment (an option given on the command line wins):
  QA_HOST, QA_PORT       the address and port to serve on (default 127.0.0.1:7860)
  QA_INDEX_DIR           the index folder to answer from (default: the checkout's index/)
  QA_STORE               a postgresql:// URL: the index in that database (built with qa build --store)
  QA_STORE_READ          a read replica of it to answer from (rebuilds still write to QA_STORE)
  QA_SEEDS_DIR           the documents folder it is built from (default: the checkout's seeds/)
  QA_AUTH                one login, user:password
  QA_AUTH_FILE           a file of logins, one user:password a line
  QA_ADMIN               the login that may add, remove and rebuild (文档管理)
  QA_FEEDBACK_FILE       where ratings are written (default feedback/feedback.jsonl)
  QA_QUEUE_SIZE          requests waiting beyond this are refused (default 256)
  QA_MAX_DOCUMENT_MB     the largest document accepted (default 100)
  QA_CONVERT_TIMEOUT     seconds LibreOffice may take for one old office file (default 120)
  QA_MODEL_DIR           where the converted e5 model lives (default ~/.cache/qa/...)
  QA_MODEL_PATH          answer with this sentence-transformers model instead of e5
  QA_PRECISION           fp32 or int8, the model's arithmetic for a build (default fp32)
  QA_CACHE_DIR           caches that make a fresh process fast (default ~/.cache/qa)

To serve another collection: qa build --seeds DOCS --index INDEX, then
  python app.py --seeds DOCS --index INDEX
"""


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The options, defaults from the environment; ``--index``/``--seeds`` are written back to it,
    so every part of the page (and a rebuild from 文档管理) uses the same folders."""
    parser = argparse.ArgumentParser(
        description="Start the 政协讲话问答 chat page.",
        epilog=SETTINGS,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--host", default=os.environ.get("QA_HOST", "127.0.0.1"), help="address to bind")
    parser.add_argument("--port", type=int, default=int(os.environ.get("QA_PORT", "7860")), help="port")
    parser.add_argument(
        "--index",
        type=Path,
        help="the index folder to answer from (QA_INDEX_DIR; default the checkout's index/)",
    )
    parser.add_argument(
        "--store",
        metavar="URL",
        help="answer from the index in this PostgreSQL database instead (QA_STORE; reads go to "
        "QA_STORE_READ, a replica, when it is set)",
    )
    parser.add_argument(
        "--seeds", type=Path, help="the documents folder it is built from (QA_SEEDS_DIR; default seeds/)"
    )
    args = parser.parse_args(argv)
    if args.index is not None:
        os.environ["QA_INDEX_DIR"] = str(args.index.resolve())
    if args.store is not None:
        os.environ["QA_STORE"] = args.store
    if args.seeds is not None:
        os.environ["QA_SEEDS_DIR"] = str(args.seeds.resolve())
    return args


def main() -> int:
    args = parse_args()
    # Imported after the options are read: --help answers without loading Gradio.
    from qa.index.location import store_for_writing
    from qa.retrieve.defaults import default_index_dir, default_live_retriever, default_seeds_dir
    from qa.tools.documents import DocumentManager
    from qa.ui import ChatService, FeedbackLog, default_feedback_path
    from qa.ui.admin.access import AdminAccess
    from qa.ui.app import LOOPBACK, build_demo, credentials, exposure_warning, launch

    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        logins = credentials(os.environ)
        access = AdminAccess.of(os.environ, logins, local=args.host in LOOPBACK)
        live = default_live_retriever()
        service = ChatService(live, FeedbackLog(default_feedback_path()))
        # Rebuilds write to the primary (QA_STORE) or the folder; reads may come from a replica.
        manager = DocumentManager(default_seeds_dir(), store_for_writing(default_index_dir()), live)
    except QAError as exc:
        print(f"app.py: {exc}", file=sys.stderr)
        return 2
    if warning := exposure_warning(args.host, logins):
        print(warning, file=sys.stderr)
    service.warm_up()  # load the model once, before the first user waits
    launch(build_demo(service, manager, access), args.host, args.port, logins)
    return 0


if __name__ == "__main__":
    sys.exit(main())
