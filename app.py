"""Start the chat page: ``python app.py [--host H] [--port P]`` (defaults 127.0.0.1:7860).

Binding to an address other than loopback is a deliberate choice (``--host`` or ``QA_HOST``);
without a login (``QA_AUTH`` / ``QA_AUTH_FILE``) it prints a warning. The 文档管理 tab manages
``QA_SEEDS_DIR`` and rebuilds ``QA_INDEX_DIR``, for the login named by ``QA_ADMIN`` (without
logins, for whoever opens a page bound to 127.0.0.1).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys

from qa.errors import QAError
from qa.retrieve.defaults import default_index_dir, default_live_retriever, default_seeds_dir
from qa.tools.documents import DocumentManager
from qa.ui import ChatService, FeedbackLog, default_feedback_path
from qa.ui.admin.access import AdminAccess
from qa.ui.app import LOOPBACK, build_demo, credentials, exposure_warning, launch


def main() -> int:
    parser = argparse.ArgumentParser(description="Start the 政协讲话问答 chat page.")
    parser.add_argument("--host", default=os.environ.get("QA_HOST", "127.0.0.1"), help="address to bind")
    parser.add_argument("--port", type=int, default=int(os.environ.get("QA_PORT", "7860")), help="port")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    try:
        logins = credentials(os.environ)
        access = AdminAccess.of(os.environ, logins, local=args.host in LOOPBACK)
        live = default_live_retriever()
        service = ChatService(live, FeedbackLog(default_feedback_path()))
        manager = DocumentManager(default_seeds_dir(), default_index_dir(), live)
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
