"""The prompts the README advertises, each as the calls a model makes for it, through the official
Python SDK (PyPI `mcp`) over Streamable HTTP against `caspio-mcp serve --sandbox`, with the data
checked afterwards. The calls are made the careless way models make them: numbers where ids are
strings, names where keys are wanted, 'false' for a YES/NO field. Every prompt must appear in
README.md word for word, so the README only advertises what is proven here.

Usage: scenarios.py BINARY README. Starts its own server (a fresh demo account), prints one line
per scenario and 'scenarios: N passed, M failed'; exits non-zero on any failure."""

import asyncio
import base64
import re
import subprocess
import sys
import time
import traceback

from mcp import Client

BINARY, README = sys.argv[1], sys.argv[2]
SCENARIOS = []


def scenario(prompt):
    def register(fn):
        SCENARIOS.append((prompt, fn))
        return fn
    return register


def structured(result):
    value = getattr(result, "structured_content", None)
    return value if value is not None else getattr(result, "structuredContent", None)


def is_error(result):
    return bool(getattr(result, "is_error", None) or getattr(result, "isError", None))


def meta(result):
    value = getattr(result, "meta", None)
    if value is None:
        value = getattr(result, "_meta", None)
    return value or {}


def text(result):
    return "\n".join(getattr(c, "text", "") for c in result.content)


async def ok(client, tool, args):
    result = await client.call_tool(tool, args)
    assert not is_error(result), f"{tool} {args}: {text(result)}"
    return result


async def rows(client, table, where="", select=""):
    args = {"table_name": table}
    if where:
        args["where"] = where
    if select:
        args["select"] = select
    return structured(await ok(client, "list_all_caspio_records", args))["Result"]


@scenario("reassign every open ticket of j.smith@acmecorp.com to m.jones@acmecorp.com, then remove j.smith from Employee_Directory")
async def offboarding(client):
    before = await rows(client, "Support_Tickets", "Assignee = 'j.smith@acmecorp.com'", "Title,Status")
    still_open = [r["Title"] for r in before if r["Status"] != "Closed"]
    assert len(still_open) == 4, before
    # Open means Open or Escalated: the model looks at the statuses first, then writes once.
    moved = await ok(client, "update_a_caspio_record_by_id", {
        "table_name": "Support_Tickets",
        "where": "Assignee = 'j.smith@acmecorp.com' AND Status <> 'Closed'",
        "values": {"Assignee": "m.jones@acmecorp.com"},
    })
    assert structured(moved)["RecordsAffected"] == 4, structured(moved)
    # The directory by the name the prompt uses.
    gone = await ok(client, "delete_a_caspio_user_by_id", {
        "directory_id": "Employee_Directory",
        "where": "Email = 'j.smith@acmecorp.com'",
    })
    assert structured(gone)["UsersAffected"] == 1, structured(gone)
    assert meta(gone).get("caspio/resolved") == [{"argument": "directory_id", "name": "Employee_Directory", "key": "401"}], meta(gone)
    after = await rows(client, "Support_Tickets", "Assignee = 'j.smith@acmecorp.com'", "Title,Status")
    assert [r["Status"] for r in after] == ["Closed"], after
    jones = [r["Title"] for r in await rows(client, "Support_Tickets", "Assignee = 'm.jones@acmecorp.com'", "Title")]
    assert all(t in jones for t in still_open), jones
    users = structured(await ok(client, "list_all_caspio_users", {"directory_id": 401, "select": "Email"}))["Result"]
    assert "j.smith@acmecorp.com" not in [u["Email"] for u in users], users


@scenario("which OBS-2024 items are out of stock? Restock them to 10 each")
async def obs_stock(client):
    # 'false' on a YES/NO field, as models write it: SQL Server's conversion makes it 0.
    out = await rows(client, "Inventory", "SKU_Prefix = 'OBS-2024' AND In_Stock = 'false'", "SKU")
    assert sorted(r["SKU"] for r in out) == ["OBS-2024-001", "OBS-2024-003"], out
    done = await ok(client, "update_a_caspio_record_by_id", {
        "table_name": "Inventory",
        "where": "SKU_Prefix = 'OBS-2024' AND In_Stock = 'false'",
        "values": {"Quantity": "10", "In_Stock": True},
    })
    assert structured(done)["RecordsAffected"] == 2, structured(done)
    after = await rows(client, "Inventory", "SKU_Prefix = 'OBS-2024'", "SKU,Quantity,In_Stock")
    assert all(r["In_Stock"] for r in after), after
    assert {r["SKU"]: r["Quantity"] for r in after} == {"OBS-2024-001": 10, "OBS-2024-002": 12, "OBS-2024-003": 10, "OBS-2024-004": 3}, after
    untouched = await rows(client, "Inventory", "SKU = 'NEW-2025-003'", "Quantity,In_Stock")
    assert untouched == [{"Quantity": 0, "In_Stock": False}], untouched


@scenario("attach the final export to monthly report 9942, then download it to check")
async def attachment(client):
    csv = b"month,tickets,closed\n2024-12,88,85\n"
    # record_pk_id as a number, as every model passes it at least once.
    await ok(client, "update_a_caspio_attachment_by_id", {
        "table_name": "Monthly_Reports",
        "attachment_field_name": "Final_Export",
        "record_pk_id": 9942,
        "file": {"name": "2024-12-final-v2.csv", "content_base64": base64.b64encode(csv).decode(), "content_type": "text/csv"},
    })
    down = await ok(client, "get_single_caspio_attachment_by_id", {
        "table_name": "Monthly_Reports",
        "attachment_field_name": "Final_Export",
        "record_pk_id": 9942,
    })
    files = [c for c in down.content if getattr(c, "type", "") == "resource"]
    assert files, down.content
    resource = files[0].resource
    body = getattr(resource, "text", None)
    got = body.encode() if body is not None else base64.b64decode(resource.blob)
    assert got == csv, got
    info = structured(await ok(client, "caspio_attachments_file_info", {
        "table_name": "Monthly_Reports", "attachment_field_name": "Final_Export", "where": "PK_ID = 9942",
    }))
    assert "2024-12-final-v2.csv" in str(info), info


@scenario("who in Enterprise_Directory (402) has 2FA disabled?")
async def two_fa(client):
    # The directory id as a number.
    result = await ok(client, "list_all_caspio_users", {
        "directory_id": 402, "where": "_2fa_status = 'Disabled'", "select": "Email,_2fa_status",
    })
    emails = sorted(r["Email"] for r in structured(result)["Result"])
    assert emails == ["auditor@acmecorp.com", "cfo@acmecorp.com"], emails


@scenario("add Dana Fox to Active_Contractors: Engineering, starting 2026-12-01")
async def view_insert(client):
    await ok(client, "create_a_caspio_view_record", {
        "view_name": "Active_Contractors",
        "record": {"Full_Name": "Dana Fox", "Department": "Engineering", "Start_Date": "2026-12-01", "Active": True},
    })
    seen = structured(await ok(client, "list_all_caspio_view_records", {
        "view_name": "Active_Contractors", "where": "Full_Name = 'Dana Fox'", "select": "Department,Start_Date",
    }))["Result"]
    assert len(seen) == 1 and seen[0]["Department"] == "Engineering", seen
    assert str(seen[0]["Start_Date"]).startswith("2026-12-01"), seen
    table = await rows(client, "Contractors", "Full_Name = 'Dana Fox'", "Department")
    assert table == [{"Department": "Engineering"}], table


async def deployed(client, key):
    pages = structured(await ok(client, "list_all_caspio_datapages", {"external_key": key}))["Result"]
    return [p["Deployed"] for p in pages]


@scenario("bulk deploy the app with external key APP-9982")
async def deploy_app_9982(client):
    # The user calls it a key; it is the application's name: resolved with one read.
    done = await ok(client, "caspio_deployments_bulk_update", {"external_key": "APP-9982", "deployed": True})
    resolved = meta(done).get("caspio/resolved")
    assert resolved and resolved[0]["name"] == "APP-9982", meta(done)
    assert "is a name" in text(done), text(done)
    assert await deployed(client, resolved[0]["key"]) == [True, True]


@scenario("deploy every DataPage of STG-APP-001")
async def deploy_stg(client):
    done = await ok(client, "caspio_deployments_bulk_update", {"external_key": "STG-APP-001", "deployed": True})
    key = meta(done)["caspio/resolved"][0]["key"]
    assert await deployed(client, key) == [True, True, True]
    # The other application is as the previous scenario left it, and no more.
    assert await deployed(client, "APP-9982") == [True, True]


def start_server():
    proc = subprocess.Popen([BINARY, "serve", "--sandbox", "--listen", "127.0.0.1:0"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    deadline = time.time() + 30
    while time.time() < deadline:
        line = proc.stdout.readline()
        found = re.search(r"Streamable HTTP: (http://\S+/mcp)", line)
        if found:
            return proc, found.group(1)
    proc.kill()
    raise SystemExit("the server did not start")


async def main():
    readme = open(README, encoding="utf-8").read()
    proc, url = start_server()
    passed = failed = 0
    try:
        async with Client(url) as client:
            for prompt, fn in SCENARIOS:
                try:
                    assert prompt in readme, f"README.md does not advertise this prompt word for word: {prompt!r}"
                    await fn(client)
                    passed += 1
                    print(f"ok   {prompt}")
                except Exception:
                    failed += 1
                    print(f"FAIL {prompt}")
                    traceback.print_exc()
    finally:
        proc.kill()
    print(f"scenarios: {passed} passed, {failed} failed")
    sys.exit(1 if failed else 0)


asyncio.run(main())
