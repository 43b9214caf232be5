#!/usr/bin/env python3
"""Self-test of pve-sim (memory store): the PVE behaviours of the checklist in PROXMOX-API.md.

Run: python3 tests/pve-sim/selftest.py   (stdlib unittest; needs the openssl CLI; ~10 s)
"""
from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.parse
from typing import Any

HERE = os.path.dirname(os.path.abspath(__file__))
TOKEN = "root@pam!ctgate=6f1e3c4a-1b2c-4d5e-8f90-0123456789ab"
CONTROL = "ctl-secret"
UPID_RE = re.compile(r"^UPID:([a-zA-Z0-9]([a-zA-Z0-9\-]*[a-zA-Z0-9])?):([0-9A-Fa-f]{8}):"
                     r"([0-9A-Fa-f]{8,9}):([0-9A-Fa-f]{8}):([^:\s/]+):([^:\s/]*):([^:\s/]+):$")
AUTH_DELAY = 0.4


class Reply:
    def __init__(self, status: int, reason: str, headers: dict[str, str], raw: bytes):
        self.status, self.reason, self.headers, self.raw = status, reason, headers, raw
        self.json: Any = json.loads(raw) if raw else None

    @property
    def data(self) -> Any:
        return self.json["data"]


class Sim:
    """One pve-sim process for the whole run."""

    def __init__(self) -> None:
        self.dir = tempfile.mkdtemp(prefix="pve-sim-selftest.")
        d = self.dir
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
                        "-subj", "/CN=localhost", "-keyout", f"{d}/key.pem",
                        "-out", f"{d}/cert.pem"], check=True, capture_output=True)
        with open(f"{d}/tokens", "w") as f:
            f.write("# test tokens\n" + TOKEN + "\n")
        with open(f"{d}/control", "w") as f:
            f.write(CONTROL + "\n")
        self.proc = subprocess.Popen(
            [sys.executable, os.path.join(HERE, "pve-sim.py"), "--listen", "127.0.0.1:0",
             "--cert", f"{d}/cert.pem", "--key", f"{d}/key.pem", "--tokens", f"{d}/tokens",
             "--control-token-file", f"{d}/control", "--store", "memory",
             "--template", "9000:debian:img-debian", "--template", "9100:alpine:img-alpine",
             "--state", f"{d}/state", "--auth-delay", str(AUTH_DELAY),
             "--default-task-delay", "0.1"])
        self.port = self.wait_port()
        self.ctx = ssl._create_unverified_context()

    def wait_port(self) -> int:
        path = f"{self.dir}/state/state.json"
        for _ in range(100):
            try:
                with open(path) as f:
                    return int(json.load(f)["listen"].rsplit(":", 1)[1])
            except (OSError, ValueError, KeyError):
                time.sleep(0.05)
        raise RuntimeError("pve-sim did not start")

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(5)
        shutil.rmtree(self.dir, ignore_errors=True)

    def raw(self, method: str, path: str, body: bytes | None = None,
            headers: dict[str, str] | None = None) -> Reply:
        conn = http.client.HTTPSConnection("127.0.0.1", self.port, context=self.ctx, timeout=30)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            r = conn.getresponse()
            return Reply(r.status, r.reason, dict(r.getheaders()), r.read())
        finally:
            conn.close()

    def api(self, method: str, path: str, params: dict | None = None, query: dict | None = None,
            token: str | None = TOKEN, json_body: bool = False) -> Reply:
        headers = {"Authorization": f"PVEAPIToken={token}"} if token else {}
        body = None
        if params is not None:
            if json_body:
                body = json.dumps(params).encode()
                headers["Content-Type"] = "application/json"
            else:
                body = urllib.parse.urlencode(params).encode()
                headers["Content-Type"] = "application/x-www-form-urlencoded"
        url = "/api2/json" + path + ("?" + urllib.parse.urlencode(query) if query else "")
        return self.raw(method, url, body, headers)

    def ctl(self, **req: Any) -> None:
        r = self.raw("POST", "/_sim/ctl", json.dumps(req).encode(),
                     {"Authorization": f"Bearer {CONTROL}", "Content-Type": "application/json"})
        assert r.status == 200, (r.status, r.raw)

    def wait_task(self, upid: str, timeout: float = 10) -> dict:
        node = upid.split(":")[1]
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            st = self.api("GET", f"/nodes/{node}/tasks/{urllib.parse.quote(upid)}/status").data
            if st["status"] == "stopped":
                return st
            time.sleep(0.05)
        raise AssertionError(f"task {upid} still running")


SIM: Sim | None = None


def setUpModule() -> None:
    global SIM
    SIM = Sim()


def tearDownModule() -> None:
    if SIM is not None:
        SIM.stop()


class PveSimTest(unittest.TestCase):
    def setUp(self) -> None:
        assert SIM is not None
        self.sim = SIM
        self.sim.ctl(op="reset")

    def clone(self, newid: int, src: int = 9000, node: str = "pve1", **extra: Any) -> Reply:
        params = {"newid": newid, "hostname": f"ct{newid}", **extra}
        return self.sim.api("POST", f"/nodes/{node}/lxc/{src}/clone", params)

    def made(self, newid: int, src: int = 9000, node: str = "pve1") -> None:
        r = self.clone(newid, src, node)
        self.assertEqual(r.status, 200, r.raw)
        self.assertEqual(self.sim.wait_task(r.data)["exitstatus"], "OK")

    # --- wire and auth -----------------------------------------------------------------------

    def test_version_headers(self) -> None:
        r = self.sim.api("GET", "/version")
        self.assertEqual(r.status, 200)
        self.assertEqual(r.headers["Server"], "pve-api-daemon/3.0")
        self.assertEqual(r.headers["Content-Type"], "application/json;charset=UTF-8")
        self.assertIn("version", r.data)

    def test_bad_token_401_delayed_empty(self) -> None:
        t0 = time.monotonic()
        r = self.sim.api("GET", "/nodes", token="root@pam!ctgate=wrong")
        self.assertGreaterEqual(time.monotonic() - t0, AUTH_DELAY)
        self.assertEqual((r.status, r.reason, r.raw), (401, "Authentication failed!", b""))
        self.assertEqual(r.headers.get("Connection"), "close")
        r = self.sim.api("GET", "/nodes", token=None)
        self.assertEqual((r.status, r.reason), (401, "No ticket"))
        # the space form and a percent-encoded value are accepted
        r = self.sim.raw("GET", "/api2/json/version",
                         headers={"Authorization": "PVEAPIToken " + TOKEN.replace("!", "%21")})
        self.assertEqual(r.status, 200)

    def test_body_on_get_delete_501(self) -> None:
        r = self.sim.raw("DELETE", "/api2/json/nodes/pve1/lxc/9000", b"purge=1",
                         {"Authorization": f"PVEAPIToken={TOKEN}"})
        self.assertEqual((r.status, r.reason), (501, "Unexpected content for method 'DELETE'"))

    def test_unknown_param_400(self) -> None:
        r = self.clone(200, bogus="1")
        self.assertEqual((r.status, r.reason), (400, "Parameter verification failed."))
        self.assertIn("not defined in schema", r.json["errors"]["bogus"])

    def test_boolean_must_be_0_or_1(self) -> None:
        r = self.clone(200, full="true")
        self.assertEqual(r.status, 400)
        self.assertEqual(r.json["errors"]["full"], "type check ('boolean') failed - got 'true'")
        r = self.sim.api("POST", "/nodes/pve1/lxc/9000/clone",
                         {"newid": 200, "full": True, "storage": "local"}, json_body=True)
        self.assertEqual(r.status, 200, r.raw)

    def test_raw_equals_truncates(self) -> None:
        self.made(200)
        body = b"net0=name=eth0,bridge=vmbr0,ip=dhcp"
        r = self.sim.raw("PUT", "/api2/json/nodes/pve1/lxc/200/config", body,
                         {"Authorization": f"PVEAPIToken={TOKEN}",
                          "Content-Type": "application/x-www-form-urlencoded"})
        self.assertEqual(r.status, 400)
        self.assertIn("net0", r.json["errors"])
        r = self.sim.api("PUT", "/nodes/pve1/lxc/200/config",
                         {"net0": "name=eth0,bridge=vmbr0,ip=dhcp"})
        self.assertEqual(r.status, 200, r.raw)
        net0 = self.sim.api("GET", "/nodes/pve1/lxc/200/config").data["net0"]
        self.assertRegex(net0, r"^name=eth0,bridge=vmbr0,ip=dhcp,hwaddr=BC:24:11:")

    # --- nextid ------------------------------------------------------------------------------

    def test_nextid_string_no_reservation(self) -> None:
        r = self.sim.api("GET", "/cluster/nextid")
        self.assertEqual(r.json, {"data": "100"})
        self.assertEqual(self.sim.api("GET", "/cluster/nextid").data, "100")
        r = self.sim.api("GET", "/cluster/nextid", query={"vmid": 9001})
        self.assertEqual((r.status, r.json["errors"]), (400, {"vmid": "VM 9001 already exists"}))
        self.assertEqual(self.sim.api("GET", "/cluster/nextid", query={"vmid": 555}).data, "555")

    # --- clone -------------------------------------------------------------------------------

    def test_clone_taken_id_500(self) -> None:
        self.sim.ctl(op="take-id", vmid=150, node="pve2")
        r = self.clone(150)
        self.assertEqual((r.status, r.reason), (500, "CT 150 already exists on node 'pve2'"))
        self.assertEqual(r.json["message"], "CT 150 already exists on node 'pve2'\n")
        # the failed clone left the source unlocked
        cfg = self.sim.api("GET", "/nodes/pve1/lxc/9000/config").data
        self.assertNotIn("lock", cfg)
        self.sim.ctl(op="take-id", vmid=151, kind="qemu")
        self.assertEqual(self.clone(151).reason, "VM 151 already exists on node 'pve1'")

    def test_steal_next_clone(self) -> None:
        nextid = self.sim.api("GET", "/cluster/nextid").data
        self.sim.ctl(op="steal-next-clone", node="pve3")
        r = self.clone(int(nextid))
        self.assertEqual(r.reason, f"CT {nextid} already exists on node 'pve3'")
        self.assertEqual(self.sim.api("GET", "/cluster/nextid").data, str(int(nextid) + 1))

    def test_source_locked(self) -> None:
        self.sim.ctl(op="lock", vmid=9000)
        r = self.clone(200)
        self.assertEqual((r.status, r.reason), (500, "CT is locked (disk)"))
        self.made(201, 9001, "pve2")      # the other nodes' copies are not locked
        r = self.clone(202)
        self.assertEqual(r.reason, "CT is locked (disk)")
        self.sim.ctl(op="unlock", vmid=9000)
        self.made(202)

    def test_clone_locks_and_upid(self) -> None:
        self.sim.ctl(op="task-delay", type="vzclone", seconds=0.8)
        r = self.clone(300, description="alice's box")
        upid = r.data
        m = UPID_RE.match(upid)
        self.assertIsNotNone(m, upid)
        self.assertEqual((m.group(1), m.group(6), m.group(7), m.group(8)),
                         ("pve1", "vzclone", "9000", "root@pam!ctgate"))
        st = self.sim.api("GET", f"/nodes/pve1/tasks/{upid}/status").data
        self.assertEqual(st["status"], "running")
        self.assertNotIn("exitstatus", st)
        self.assertEqual((st["user"], st["tokenid"]), ("root@pam", "ctgate"))
        self.assertEqual(self.sim.api("GET", "/nodes/pve1/lxc/300/config").data["lock"], "create")
        self.assertEqual(self.sim.api("GET", "/nodes/pve1/lxc/9000/config").data["lock"], "disk")
        r = self.sim.api("PUT", "/nodes/pve1/lxc/300/config", {"cores": 2})
        self.assertEqual((r.status, r.reason), (500, "CT is locked (create)"))
        # the task is polled on its own node only
        r = self.sim.api("GET", f"/nodes/pve2/tasks/{upid}/status")
        self.assertEqual((r.status, r.json["errors"]), (400, {"upid": "no such task"}))
        self.assertEqual(self.sim.wait_task(upid)["exitstatus"], "OK")
        cfg = self.sim.api("GET", "/nodes/pve1/lxc/300/config").data
        self.assertNotIn("lock", cfg)
        self.assertNotIn("template", cfg)
        self.assertEqual((cfg["hostname"], cfg["description"]), ("ct300", "alice's box"))
        self.assertNotIn("lock", self.sim.api("GET", "/nodes/pve1/lxc/9000/config").data)
        st = self.sim.api("GET", "/nodes/pve1/lxc/300/status/current").data
        self.assertEqual((st["status"], st["name"], st["template"]), ("stopped", "ct300", 0))
        log = self.sim.api("GET", f"/nodes/pve1/tasks/{upid}/log", query={"start": 0}).data
        self.assertEqual(log[-1], {"n": len(log), "t": "TASK OK"})

    def test_parallel_clones_one_wins(self) -> None:
        self.sim.ctl(op="task-delay", type="vzclone", seconds=1.0)
        results: list[Reply] = []
        lock = threading.Lock()

        def one(newid: int) -> None:
            r = self.clone(newid)
            with lock:
                results.append(r)

        threads = [threading.Thread(target=one, args=(400 + i,)) for i in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        ok = [r for r in results if r.status == 200]
        self.assertEqual(len(ok), 1)
        self.assertEqual(sorted(r.reason for r in results if r.status != 200),
                         ["CT is locked (disk)"] * 3)
        self.sim.wait_task(ok[0].data)

    def test_wrong_node_and_offline(self) -> None:
        r = self.sim.api("GET", "/nodes/pve2/lxc/9000/config")
        self.assertEqual((r.status, r.reason),
                         (500, "Configuration file 'nodes/pve2/lxc/9000.conf' does not exist"))
        self.sim.ctl(op="node-offline", node="pve3")
        nodes = {n["node"]: n for n in self.sim.api("GET", "/nodes").data}
        self.assertEqual(nodes["pve3"]["status"], "offline")
        self.assertNotIn("mem", nodes["pve3"])
        self.assertEqual(self.clone(200, 9002, "pve3").status, 595)

    def test_placement_fields(self) -> None:
        self.sim.ctl(op="node-set", node="pve2", mem=60 * 2**30, maxmem=64 * 2**30, cpu=0.9)
        nodes = {n["node"]: n for n in self.sim.api("GET", "/nodes").data}
        self.assertEqual(set(nodes), {"pve1", "pve2", "pve3"})
        for n in nodes.values():
            for key in ("status", "cpu", "maxcpu", "mem", "maxmem"):
                self.assertIn(key, n)
        self.assertEqual((nodes["pve2"]["mem"], nodes["pve2"]["cpu"]), (60 * 2**30, 0.9))
        res = self.sim.api("GET", "/cluster/resources", query={"type": "vm"}).data
        self.assertIn({"lxc/9000", "lxc/9001", "lxc/9002"}, [set(x["id"] for x in res
                                                               if x["vmid"] < 9100)])
        templates = [c for c in self.sim.api("GET", "/nodes/pve2/lxc").data if c["template"]]
        self.assertEqual(sorted((c["vmid"], c["name"]) for c in templates),
                         [(9001, "debian"), (9101, "alpine")])

    # --- tasks -------------------------------------------------------------------------------

    def test_task_warnings_and_errors(self) -> None:
        self.sim.ctl(op="warn-next", type="vzclone")
        r = self.clone(200)
        self.assertEqual(self.sim.wait_task(r.data)["exitstatus"], "WARNINGS: 1")
        self.sim.ctl(op="fail-next", type="vzclone", text="clone failed: disk full")
        r = self.clone(201)
        st = self.sim.wait_task(r.data)
        self.assertEqual(st["exitstatus"], "clone failed: disk full")
        log = self.sim.api("GET", f"/nodes/pve1/tasks/{r.data}/log").data
        self.assertEqual(log[-1]["t"], "TASK ERROR: clone failed: disk full")
        # the failed clone's CT is gone and the source unlocked
        self.assertEqual(self.sim.api("GET", "/nodes/pve1/lxc/201/config").status, 500)
        self.made(201)
        r = self.sim.api("GET", "/nodes/pve1/tasks/UPID:bad/status")
        self.assertEqual(r.json["errors"], {"upid": "unable to parse worker upid"})

    # --- power, interfaces, delete -----------------------------------------------------------

    def test_power_interfaces_delete(self) -> None:
        self.made(200)
        base = "/nodes/pve1/lxc/200"
        self.assertIsNone(self.sim.api("GET", base + "/interfaces").json["data"])
        self.assertEqual(self.sim.api("POST", base + "/status/stop").reason, "CT 200 not running")
        r = self.sim.api("POST", base + "/status/start")
        self.assertRegex(r.data, ":vzstart:200:")
        self.assertEqual(self.sim.wait_task(r.data)["exitstatus"], "OK")
        self.assertEqual(self.sim.api("POST", base + "/status/start").reason,
                         "CT 200 already running")
        ifaces = self.sim.api("GET", base + "/interfaces").data
        self.assertEqual([i["name"] for i in ifaces], ["lo", "eth0"])
        eth0 = ifaces[1]
        self.assertRegex(eth0["inet"], r"^\d+\.\d+\.\d+\.\d+/24$")
        self.assertIn({"ip-address-type": "inet", "ip-address": eth0["inet"].split("/")[0],
                       "prefix": 24}, eth0["ip-addresses"])
        r = self.sim.api("DELETE", base, query={"purge": 1})
        self.assertEqual(r.reason, "unable to destroy CT 200 - container is running")
        self.sim.api("PUT", "/access/acl", {"path": "/vms/200", "roles": "PVEVMUser",
                                            "users": "alice@ldap"})
        r = self.sim.api("DELETE", base, query={"purge": 1, "force": 1})
        self.assertRegex(r.data, ":vzdestroy:200:")
        self.sim.wait_task(r.data)
        self.assertEqual(self.sim.api("GET", base + "/config").status, 500)
        self.assertEqual(self.sim.api("GET", "/access/acl").data, [])

    def test_template_start_fails_in_task(self) -> None:
        r = self.sim.api("POST", "/nodes/pve1/lxc/9000/status/start")
        self.assertEqual(self.sim.wait_task(r.data)["exitstatus"],
                         "you can't start a CT if it's a template")

    # --- config, tags, ACL -------------------------------------------------------------------

    def test_tags_description_acl(self) -> None:
        self.made(200)
        base = "/nodes/pve1/lxc/200/config"
        r = self.sim.api("PUT", base, {"tags": "Zeta;alpha,beta alpha", "description": "a=b&c",
                                       "cores": 2, "memory": 256, "onboot": 1})
        self.assertEqual(r.json, {"data": None})
        cfg = self.sim.api("GET", base).data
        self.assertEqual(cfg["tags"], "alpha;beta;zeta")
        self.assertEqual(cfg["description"], "a=b&c")
        self.assertEqual((cfg["cores"], cfg["memory"], cfg["onboot"]), (2, 256, 1))
        self.assertRegex(cfg["digest"], r"^[0-9a-f]{40}$")
        r = self.sim.api("PUT", base, {"tags": "alice@pve"})
        self.assertEqual(r.status, 400)
        self.assertEqual(self.sim.api("PUT", base, {}).reason, "no options specified")
        self.assertEqual(self.sim.api("PUT", base, {"memory": 8}).json["errors"]["memory"],
                         "value must have a minimum value of 16")
        r = self.sim.api("PUT", "/access/acl", {"path": "/vms/200", "roles": "PVEVMUser",
                                                "users": "alice@ldap", "propagate": 1})
        self.assertEqual(r.json, {"data": None})
        self.assertEqual(self.sim.api("GET", "/access/acl").data,
                         [{"path": "/vms/200", "type": "user", "ugid": "alice@ldap",
                           "roleid": "PVEVMUser", "propagate": 1}])
        r = self.sim.api("PUT", "/access/acl", {"path": "/vms/200", "roles": "Nope",
                                                "users": "alice@ldap"})
        self.assertEqual(r.reason, "role 'Nope' does not exist")
        r = self.sim.api("PUT", "/access/acl", {"path": "/vms/200", "roles": "PVEVMUser"})
        self.assertEqual(r.status, 400)

    def test_resize_and_snapshots(self) -> None:
        self.made(200)
        base = "/nodes/pve1/lxc/200"
        r = self.sim.api("PUT", base + "/resize", {"disk": "rootfs", "size": "12G"})
        self.sim.wait_task(r.data)
        self.assertIn("size=12G", self.sim.api("GET", base + "/config").data["rootfs"])
        r = self.sim.api("PUT", base + "/resize", {"disk": "rootfs", "size": "4G"})
        self.assertEqual(r.reason, "unable to shrink disk size")
        r = self.sim.api("POST", base + "/snapshot", {"snapname": "s1"})
        self.sim.wait_task(r.data)
        names = [s["name"] for s in self.sim.api("GET", base + "/snapshot").data]
        self.assertEqual(names, ["s1", "current"])
        r = self.sim.api("DELETE", base + "/snapshot/s1")
        self.assertEqual(self.sim.wait_task(r.data)["exitstatus"], "OK")

    def test_state_file(self) -> None:
        self.made(200)
        with open(os.path.join(self.sim.dir, "state", "state.json")) as f:
            state = json.load(f)
        ct = state["cts"]["200"]
        self.assertEqual((ct["node"], ct["instance"], ct["status"], ct["lock"]),
                         ("pve1", "mem-200", "stopped", None))

    def test_pct_stand_in(self) -> None:
        self.made(200)
        env = dict(os.environ, PVE_SIM_STATE=os.path.join(self.sim.dir, "state"))
        pct = os.path.join(HERE, "pct")
        r = subprocess.run([pct, "status", "200"], env=env, capture_output=True, text=True)
        self.assertEqual((r.returncode, r.stdout), (0, "status: stopped\n"))
        r = subprocess.run([pct, "exec", "200", "--", "true"], env=env, capture_output=True,
                           text=True)
        self.assertEqual((r.returncode, r.stderr), (255, "CT 200 not running\n"))
        r = subprocess.run([pct, "status", "777"], env=dict(env, PVE_SIM_NODE="pve1"),
                           capture_output=True, text=True)
        self.assertEqual(r.returncode, 255)
        self.assertEqual(r.stderr, "Configuration file 'nodes/pve1/lxc/777.conf' does not exist\n")

    def test_ctl_cli(self) -> None:
        env = dict(os.environ, PVE_SIM_STATE=os.path.join(self.sim.dir, "state"),
                   PVE_SIM_CONTROL_TOKEN_FILE=os.path.join(self.sim.dir, "control"))
        ctl = os.path.join(HERE, "pve-sim-ctl")
        r = subprocess.run([ctl, "take-id", "123", "pve2"], env=env, capture_output=True,
                           text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        r = self.sim.api("GET", "/cluster/nextid", query={"vmid": 123})
        self.assertEqual(r.json["errors"], {"vmid": "VM 123 already exists"})
        r = subprocess.run([ctl, "state"], env=env, capture_output=True, text=True)
        self.assertEqual(json.loads(r.stdout)["cts"]["123"]["node"], "pve2")


if __name__ == "__main__":
    unittest.main(verbosity=2)
