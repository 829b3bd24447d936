#!/usr/bin/python
# -*- coding: utf-8 -*-
#
# The Ansible module of mailsetup: it only runs mailsetup on the target (`--json`) and turns its
# one JSON document into Ansible's result. The planner, the linter, ownership, backups and
# rollback are mailsetup's own, exactly as on the command line.
#
# MIT License (see LICENSE in the mailsetup repository).

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: mailsetup
short_description: Configure Postfix for a standard role with mailsetup
description:
  - Runs C(mailsetup) on the target with the answers given, so that Postfix becomes a null client,
    a mail server, a backup MX or a firewall relay. mailsetup edits C(main.cf) and C(master.cf) as
    C(postconf) would, changes only what it owns, backs up every file it changes and rolls back by
    itself when C(postfix check) or the reload fails.
  - The module only calls mailsetup (C(mailsetup --json)); mailsetup must be installed on the target.
  - A second run with the same answers reports C(changed=false) and runs no command.
  - An error of mailsetup's linter (an open relay, a mail loop, ...) fails the task with the linter's
    message, unless the answers list its override id in C(overrides).
options:
  answers:
    description:
      - The answers, as in mailsetup's answers file (README, "Answers file"). C(role) is required;
        everything else has a derived default.
      - They reach mailsetup on its standard input, never on a command line. A password in
        C(smtp_sasl.password) is hidden from the task's result; prefer C(smtp_sasl.password_file)
        (a root-only file on the target), or set C(no_log) on the task.
      - Mutually exclusive with I(answers_file).
    type: dict
  answers_file:
    description:
      - The path of an answers file on the target.
      - Mutually exclusive with I(answers).
    type: path
  root:
    description:
      - Treat this directory as the file system root (mailsetup's C(--root) sandbox); the live
        system is never touched, and no daemon is started, stopped or reloaded.
    type: path
  executable:
    description:
      - The mailsetup command on the target, a name looked up on C(PATH) or a path.
    type: str
    default: mailsetup
  state:
    description:
      - C(present) applies the answers.
      - C(rolled_back) undoes the last apply while it is still in place (C(mailsetup --rollback
        --only-last)); once it is undone, the task reports C(changed=false) and never rolls back an
        older apply. A file changed by hand since that apply fails the task, and nothing is written.
    type: str
    choices: [present, rolled_back]
    default: present
notes:
  - Check mode runs C(mailsetup --dry-run) (nothing is written); the task is changed when the apply
    would change something. Diff mode shows each file's content before and after (a secret file's
    content is never shown).
  - Applying needs root on the target (C(become)); check mode does not.
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
author:
  - mailsetup contributors
"""

EXAMPLES = r"""
- name: Send all mail through the company relay
  mailsetup:
    answers:
      role: null-client
      myhostname: "{{ inventory_hostname }}"
      relayhost: "[mx1.example.com]"
      postmaster: postmaster@example.com
  become: true

- name: Apply an answers file that is already on the host
  mailsetup:
    answers_file: /etc/mailsetup/answers.yaml
  become: true

- name: Undo the last apply (once)
  mailsetup:
    state: rolled_back
  become: true
"""

RETURN = r"""
role:
  description: The role configured before and after the run (C(null) when there was no main.cf).
  returned: always
  type: dict
  sample: {"before": null, "after": "null-client"}
findings:
  description: The linter's findings, each with id, level (error, warning, info), message and override id.
  returned: always
  type: list
  elements: dict
params:
  description: The main.cf parameters that change, each with name, old, new, oldExpanded, newExpanded.
  returned: always
  type: list
  elements: dict
files:
  description: The files that change, each with path, change (created, changed, removed) and secret.
  returned: always
  type: list
  elements: dict
commands:
  description: The commands of the apply, each with its status and the commands it ran with their results.
  returned: always
  type: list
  elements: dict
backup_dir:
  description: The backup directory of this apply, or the one a rollback restored.
  returned: always
  type: str
rollback:
  description: For state rolled_back, which apply is undone (backupDir, created, kind); null when none.
  returned: always
  type: dict
mailsetup:
  description: mailsetup's whole JSON document (version 1; README, "Machine-readable output"), file contents left out.
  returned: always
  type: dict
"""

import json
import os

from ansible.module_utils.basic import AnsibleModule

DOCUMENT_VERSION = 1
SECRET_TEXT = "(secret: contents hidden)\n"


def secrets_of(answers):
    """The password in the answers, if any: kept out of everything the module returns."""
    if not isinstance(answers, dict):
        return []
    sasl = answers.get("smtp_sasl")
    if isinstance(sasl, dict) and isinstance(sasl.get("password"), str) and sasl["password"] != "":
        return [sasl["password"]]
    return []


def find_executable(module, name):
    if "/" in name:
        if not os.access(name, os.X_OK):
            module.fail_json(msg="mailsetup executable %s is not there or not executable" % name)
        return name
    path = module.get_bin_path(name, opt_dirs=["/usr/local/bin"])
    if path is None:
        module.fail_json(
            msg="%s not found on the target's PATH: install mailsetup there, or give its path in executable" % name
        )
    return path


def run_mailsetup(module, argv, data=None):
    rc, out, err = module.run_command(argv, data=data, encoding="utf-8")
    try:
        doc = json.loads(out)
    except ValueError:
        module.fail_json(
            msg="%s printed no JSON document (is it a mailsetup that knows --json?)" % argv[0],
            rc=rc,
            stdout=out,
            stderr=err,
        )
    if not isinstance(doc, dict) or doc.get("version") != DOCUMENT_VERSION:
        module.fail_json(
            msg="mailsetup's JSON document is not version %d: this module needs a matching mailsetup" % DOCUMENT_VERSION,
            rc=rc,
            stderr=err,
        )
    return rc, doc, err


def diff_of(doc):
    """Ansible's diff: before and after of each file (a secret file's content never shown)."""
    out = []
    for f in doc.get("files", []):
        if f.get("secret"):
            before = "" if f["change"] == "created" else SECRET_TEXT
            after = "" if f["change"] == "removed" else SECRET_TEXT
        else:
            before = f.get("before") or ""
            after = f.get("after") or ""
        out.append(
            {
                "before_header": f["path"] if f["change"] != "created" else "%s (absent)" % f["path"],
                "after_header": f["path"] if f["change"] != "removed" else "%s (removed)" % f["path"],
                "before": before,
                "after": after,
            }
        )
    return out


def error_message(doc, rc):
    err = doc.get("error") or {}
    msg = err.get("message") or "mailsetup exited %d" % rc
    details = [d.strip() for d in err.get("details", []) if d.strip()]
    if details:
        msg = "%s%s %s" % (msg, "" if msg.endswith(":") else ":", "; ".join(details))
    return msg


def summary_of(doc):
    """The document without the files' contents (diff mode shows those)."""
    lean = dict(doc)
    lean["files"] = [
        {"path": f["path"], "change": f["change"], "secret": f["secret"], "description": f["description"]}
        for f in doc.get("files", [])
    ]
    return lean


def main():
    module = AnsibleModule(
        argument_spec=dict(
            answers=dict(type="dict"),
            answers_file=dict(type="path"),
            root=dict(type="path"),
            executable=dict(type="str", default="mailsetup"),
            state=dict(type="str", choices=["present", "rolled_back"], default="present"),
        ),
        supports_check_mode=True,
        # The answers may hold a password: never write the arguments to the target's syslog.
        no_log=True,
    )
    p = module.params
    for secret in secrets_of(p["answers"]):
        module.no_log_values.add(secret)

    # Checked here, after the password is known to be secret, so that no refusal shows it.
    if p["answers"] is not None and p["answers_file"] is not None:
        module.fail_json(msg="answers and answers_file are mutually exclusive: give one")
    if p["state"] == "present" and p["answers"] is None and p["answers_file"] is None:
        module.fail_json(msg="state present needs answers or answers_file")
    if p["state"] == "rolled_back" and (p["answers"] is not None or p["answers_file"] is not None):
        module.warn("state rolled_back undoes the last apply: the answers are not used")

    argv = [find_executable(module, p["executable"]), "--json"]
    data = None
    if p["state"] == "present":
        if p["answers"] is not None:
            argv += ["--answers", "-"]
            # JSON is YAML: mailsetup reads it as its answers file.
            data = json.dumps(p["answers"])
        else:
            argv += ["--answers", p["answers_file"]]
        argv.append("--dry-run" if module.check_mode else "--yes")
    else:
        argv += ["--rollback", "--only-last"]
        if module.check_mode:
            argv.append("--dry-run")
    if p["root"]:
        argv += ["--root", p["root"]]

    rc, doc, err = run_mailsetup(module, argv, data)
    result = dict(
        changed=bool(doc.get("changed")),
        role=doc.get("role"),
        findings=doc.get("findings", []),
        params=doc.get("params", []),
        files=summary_of(doc)["files"],
        commands=doc.get("commands", []),
        backup_dir=doc.get("backupDir"),
        rollback=doc.get("rollback"),
        mailsetup=summary_of(doc),
        rc=rc,
    )
    if module._diff and doc.get("files"):
        result["diff"] = diff_of(doc)
    for w in doc.get("warnings", []):
        module.warn(w)
    for f in doc.get("findings", []):
        if f.get("level") == "warning":
            module.warn("%s: %s" % (f["id"], f["message"]))
    if rc != 0:
        result["stderr"] = err
        module.fail_json(msg=error_message(doc, rc), **result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
