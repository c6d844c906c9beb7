"""The official MCP Python SDK (PyPI `mcp`, pinned by tests/mcp_clients.rs) drives
`switchboard mcp` over stdio: it initializes, lists the tools, starts a session and shows it,
submits a shell task and lists the board, and reads a refusal. It prints one JSON object with
what it saw; the Rust test checks it. Written against the SDK's ClientSession API."""

import asyncio
import json
import os
import sys

from mcp import ClientSession, StdioServerParameters, stdio_client


def text(result):
    return "".join(block.text for block in result.content if block.type == "text")


async def main():
    params = StdioServerParameters(
        command=os.environ["SWITCHBOARD_BIN"],
        args=["--demo", "--approval", "never", "mcp"],
        env=dict(os.environ),
        cwd=os.environ["WORKDIR"],
    )
    seen = {}
    async with stdio_client(params, errlog=sys.stderr) as (read, write):
        async with ClientSession(read, write) as session:
            init = await session.initialize()
            seen["server"] = init.server_info.name
            seen["protocol"] = init.protocol_version
            tools = await session.list_tools()
            seen["tools"] = sorted(tool.name for tool in tools.tools)
            seen["schemas"] = {tool.name: tool.input_schema for tool in tools.tools}

            started = await session.call_tool("session_start", {"prompt": "list the files"})
            assert not started.is_error, text(started)
            seen["started"] = started.structured_content
            shown = await session.call_tool(
                "session_show", {"session": started.structured_content["session"]}
            )
            assert not shown.is_error, text(shown)
            seen["shown"] = shown.structured_content

            submitted = await session.call_tool(
                "task_submit",
                {
                    "goal": "echo from-python > py.txt",
                    "executor": "shell",
                    "validations": ["grep -q from-python py.txt"],
                },
            )
            assert not submitted.is_error, text(submitted)
            seen["submitted"] = submitted.structured_content
            listed = await session.call_tool("task_list", {})
            seen["listed"] = listed.structured_content

            refused = await session.call_tool("session_show", {"session": "ffffffff"})
            seen["refused"] = {"is_error": refused.is_error, "text": text(refused)}
    print(json.dumps(seen))


asyncio.run(main())
