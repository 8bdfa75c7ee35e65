//! What two members do apart to one thing comes out the same on every copy, both sides kept and
//! the conflict named, until an owner chooses (#14 "semantic conflicts").

use serde_json::Value;

use super::{Member, team_on};

/// `sync team` that may end with conflicts open (exit 3): its whole report.
fn sync_report(m: &Member) -> Value {
    let out = m.run(&["sync", "team", "--json"]);
    assert!(
        matches!(out.status.code(), Some(0) | Some(3)),
        "{}: {}{}",
        m.actor,
        super::common::stderr(&out),
        super::common::stdout(&out)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// Everyone syncs until nothing moves; returns the digests.
fn settle_all(members: &[&Member]) -> Vec<String> {
    for _ in 0..3 {
        let mut moved = false;
        for m in members {
            let t = &sync_report(m)["team"];
            moved |= t["segmentsPulled"].as_u64().unwrap() > 0 || t["segmentsPushed"].as_u64().unwrap() > 0;
        }
        if !moved {
            break;
        }
    }
    members.iter().map(|m| m.digest()).collect()
}

/// The owner resolves the first open conflict by taking `take`; everyone syncs until they hold
/// the same state again.
fn owner_takes(owner: &Member, take: &str, members: &[&Member]) {
    let id = open_conflicts(owner)[0]["id"].as_i64().unwrap().to_string();
    owner.ok(&["resolve", &id, "--take", take]);
    let digests = settle_all(members);
    assert!(digests.iter().all(|d| *d == digests[0]), "{digests:?}");
}

fn open_conflicts(m: &Member) -> Vec<Value> {
    m.ok(&["conflicts"])["conflicts"].as_array().unwrap().clone()
}

fn alias_target(m: &Member, model: &str, alias: &str) -> String {
    let a = m.ok(&["aliases", model]);
    let found = a["aliases"].as_array().unwrap().iter().find(|x| x["alias"] == alias).cloned();
    found.map(|x| x["version"].as_str().unwrap().to_string()).unwrap_or_default()
}

#[test]
fn an_alias_moved_apart_converges_on_the_later_move_and_an_owner_chooses() {
    let (_dir, a, b, c) = team_on("file", "alias-conflict");
    let v: Vec<String> = [4, 8, 16].iter().map(|n| a.register("churn", *n)["version"].as_str().unwrap().to_string()).collect();
    a.ok(&["alias", "set", &format!("churn@{}", v[0]), "champion"]);
    settle_all(&[&a, &b, &c]);
    // Apart: Alice moves it to the second version, Carol to the third.
    a.ok(&["alias", "set", &format!("churn@{}", v[1]), "champion"]);
    c.ok(&["alias", "set", &format!("churn@{}", v[2]), "champion"]);
    let digests = settle_all(&[&a, &c, &b]);
    assert!(digests.iter().all(|d| *d == digests[0]), "{digests:?}");
    for m in [&a, &b, &c] {
        assert_eq!(alias_target(m, "churn", "champion"), v[2], "{}: the later move in the ledger's order holds", m.actor);
        let open = open_conflicts(m);
        assert_eq!(open.len(), 1, "{}: {open:?}", m.actor);
        assert_eq!((open[0]["subject"].as_str(), open[0]["remoteValue"].as_str()), (Some("churn@champion"), Some(v[1].as_str())));
    }
    // A non-owner cannot choose; the owner takes the other side, and every copy follows.
    let id = open_conflicts(&c)[0]["id"].as_i64().unwrap().to_string();
    assert!(c.refused(&["resolve", &id, "--take", "remote"]).contains("owner"));
    owner_takes(&a, "remote", &[&a, &b, &c]);
    for m in [&a, &b, &c] {
        assert_eq!(alias_target(m, "churn", "champion"), v[1], "{}", m.actor);
        assert!(open_conflicts(m).is_empty(), "{}", m.actor);
        m.verify();
    }
}

#[test]
fn one_number_registered_apart_with_other_files_keeps_both_and_an_owner_swaps_them() {
    let (_dir, a, b, c) = team_on("file", "version-conflict");
    settle_all(&[&a, &b, &c]);
    // Apart: both register fraud 1.0.0 with other weights; Carol also points `prod` at hers.
    let alices = a.register("fraud", 4);
    let carols = c.register("fraud", 8);
    c.ok(&["alias", "set", "fraud@1.0.0", "prod"]);
    assert_eq!(alices["version"], "1.0.0");
    assert_eq!(carols["version"], "1.0.0");
    a.sync();
    let digests = settle_all(&[&c, &a, &b]);
    assert!(digests.iter().all(|d| *d == digests[0]), "{digests:?}");
    let aside = open_conflicts(&b)[0]["remoteValue"].as_str().unwrap().to_string();
    assert!(aside.starts_with("1.0.0+conflict."), "{aside}");
    // Both sides shown, with the version diff between them, which runs.
    let listed = super::common::stdout(&b.run(&["conflicts"]));
    let diff = format!("pedigree diff fraud@1.0.0 fraud@{aside}");
    assert!(listed.contains(&diff), "{listed}");
    let shown = b.ok(&["diff", "fraud@1.0.0", &format!("fraud@{aside}")]);
    assert!(shown.to_string().contains(&aside), "{shown}");
    for m in [&a, &b, &c] {
        let first = m.ok(&["show", "fraud@1.0.0"]);
        assert_eq!(first["version"]["rootDigest"], alices["rootDigest"], "{}: the first in the order keeps the number", m.actor);
        let kept = m.ok(&["show", &format!("fraud@{aside}")]);
        assert_eq!(kept["version"]["rootDigest"], carols["rootDigest"], "{}: the other is kept too", m.actor);
        // Carol's alias, set before she knew, means her version on every copy.
        assert_eq!(alias_target(m, "fraud", "prod"), aside, "{}", m.actor);
        m.verify();
    }
    owner_takes(&a, "remote", &[&a, &b, &c]);
    for m in [&a, &b, &c] {
        let now = m.ok(&["show", "fraud@1.0.0"]);
        assert_eq!(now["version"]["rootDigest"], carols["rootDigest"], "{}: the owner gave Carol's version the number", m.actor);
        assert!(open_conflicts(m).is_empty());
        m.verify();
    }
}

#[test]
fn an_environment_switched_apart_converges_on_the_later_switch_with_the_history_of_both() {
    let (_dir, a, b, c) = team_on("file", "deploy-conflict");
    let v: Vec<String> = [4, 8, 16].iter().map(|n| a.register("churn", *n)["version"].as_str().unwrap().to_string()).collect();
    a.ok(&["deploy", &format!("churn@{}", v[0]), "--env", "staging", "--strategy", "full", "--reason", "first"]);
    settle_all(&[&a, &b, &c]);
    // Apart: Alice switches staging to the second version, Carol to the third.
    a.ok(&["deploy", &format!("churn@{}", v[1]), "--env", "staging", "--strategy", "full", "--reason", "alice's pick"]);
    c.ok(&["deploy", &format!("churn@{}", v[2]), "--env", "staging", "--strategy", "full", "--reason", "carol's pick"]);
    let digests = settle_all(&[&a, &c, &b]);
    assert!(digests.iter().all(|d| *d == digests[0]), "{digests:?}");
    for m in [&a, &b, &c] {
        let serving = m.ok(&["serving", "--env", "staging"]).to_string();
        assert!(serving.contains(&format!("\"{}\"", v[2])), "{}: the later switch serves: {serving}", m.actor);
        let history = m.ok(&["deployments", "--env", "staging"]).to_string();
        assert!(
            history.contains("alice's pick") && history.contains("carol's pick"),
            "{}: both switches are in the history",
            m.actor
        );
        let open = open_conflicts(m);
        assert_eq!(open.len(), 1, "{}: {open:?}", m.actor);
        assert_eq!(open[0]["remoteValue"], format!("churn@{}", v[1]));
        m.verify();
    }
}

/// The dataset version a model version was trained on (its `trained_on` edge).
fn trained_on(m: &Member, reference: &str) -> String {
    let shown = m.ok(&["show", reference]);
    let e = shown["upstream"].as_array().unwrap().iter().find(|e| e["kind"] == "trained_on").cloned();
    e.map(|e| e["to"].as_str().unwrap().to_string()).unwrap_or_default()
}

#[test]
fn one_dataset_number_registered_apart_keeps_both_and_models_keep_what_they_were_trained_on() {
    let (_dir, a, b, c) = team_on("file", "dataset-conflict");
    a.register("churn", 4);
    settle_all(&[&a, &b, &c]);
    // Apart: Alice and Carol each register a different `train.csv` as dataset train@1, with a model.
    let da = a.ws.write("train.csv", b"x\n1\n");
    let fa = a.ws.write("m1.safetensors", &super::fixtures::safetensors(&[("w", "F32", &[6])], &[]));
    let ma = a.ok(&["register", super::common::s(&fa), "--model", "churn", "--trained-on", super::common::s(&da)]);
    let dc = c.ws.write("train.csv", b"x\n2\n");
    let fc = c.ws.write("m2.safetensors", &super::fixtures::safetensors(&[("w", "F32", &[7])], &[]));
    c.ok(&["register", super::common::s(&fc), "--model", "other", "--trained-on", super::common::s(&dc)]);
    let digests = settle_all(&[&a, &c, &b]);
    assert!(digests.iter().all(|d| *d == digests[0]), "{digests:?}");
    let alices = format!("churn@{}", ma["version"].as_str().unwrap());
    let (mut kept, mut aside) = (None, None);
    for m in [&a, &b, &c] {
        // Each model still names the bytes it was trained on: Alice's (first in the order) is train@1.
        let (ta, tc) = (trained_on(m, &alices), trained_on(m, "other@1.0.0"));
        assert_eq!(ta, "dataset:train@1", "{}", m.actor);
        assert!(tc.starts_with("dataset:train@1+conflict."), "{}: {tc}", m.actor);
        let open = open_conflicts(m);
        assert_eq!(open.len(), 1, "{}: {open:?}", m.actor);
        assert_eq!((open[0]["subject"].as_str(), open[0]["field"].as_str()), (Some("train@1"), Some("dataset")), "{open:?}");
        kept.get_or_insert(ta);
        aside.get_or_insert(tc);
        m.verify();
    }
    // The owner gives Carol's the number: every copy swaps them; the models follow.
    owner_takes(&a, "remote", &[&a, &b, &c]);
    for m in [&a, &b, &c] {
        assert_eq!(trained_on(m, "other@1.0.0"), "dataset:train@1", "{}", m.actor);
        assert_eq!(Some(trained_on(m, &alices)), aside, "{}", m.actor);
        assert!(open_conflicts(m).is_empty(), "{}", m.actor);
    }
}

/// What serves in an environment: (version, role, traffic), sorted.
fn serving(m: &Member, env: &str) -> Vec<(String, String, u64)> {
    let mut out: Vec<_> = m.ok(&["serving", "--env", env])["deployments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| {
            (d["version"].as_str().unwrap().to_string(), d["role"].as_str().unwrap().to_string(), d["traffic"].as_u64().unwrap())
        })
        .collect();
    out.sort();
    out
}

#[test]
fn canaries_started_apart_converge_on_the_later_and_a_shadow_beside_a_canary_stays() {
    let (_dir, a, b, c) = team_on("file", "canary-conflict");
    let v: Vec<String> =
        [4, 8, 16, 32].iter().map(|n| a.register("churn", *n)["version"].as_str().unwrap().to_string()).collect();
    a.ok(&["deploy", &format!("churn@{}", v[0]), "--env", "staging", "--strategy", "full", "--reason", "release"]);
    settle_all(&[&a, &b, &c]);
    // Apart: Alice starts a 20 % canary, Carol a 10 % one; Alice's reaches the ledger first.
    a.ok(&["deploy", &format!("churn@{}", v[1]), "--env", "staging", "--strategy", "canary", "--traffic", "20", "--reason", "a"]);
    c.ok(&["deploy", &format!("churn@{}", v[2]), "--env", "staging", "--strategy", "canary", "--traffic", "10", "--reason", "c"]);
    let digests = settle_all(&[&a, &c, &b]);
    assert!(digests.iter().all(|d| *d == digests[0]), "{digests:?}");
    let want = vec![(v[0].clone(), "primary".to_string(), 90), (v[2].clone(), "canary".to_string(), 10)];
    for m in [&a, &b, &c] {
        assert_eq!(serving(m, "staging"), want, "{}: the later canary in the ledger's order runs", m.actor);
        let open = open_conflicts(m);
        assert_eq!(open.len(), 1, "{}: {open:?}", m.actor);
        assert_eq!((open[0]["subject"].as_str(), open[0]["field"].as_str()), (Some("env:staging"), Some("deployment")));
        m.verify();
    }
    // A shadow started apart from the canary takes another slot: both run, nothing to choose.
    owner_takes(&a, "local", &[&a, &b, &c]);
    b.ok(&["deploy", &format!("churn@{}", v[3]), "--env", "staging", "--strategy", "shadow", "--reason", "b"]);
    c.ok(&[
        "deploy",
        &format!("churn@{}", v[1]),
        "--env",
        "staging",
        "--strategy",
        "canary",
        "--traffic",
        "30",
        "--reason",
        "c2",
    ]);
    let digests = settle_all(&[&b, &c, &a]);
    assert!(digests.iter().all(|d| *d == digests[0]), "{digests:?}");
    for m in [&a, &b, &c] {
        let now = serving(m, "staging");
        assert!(
            now.contains(&(v[3].clone(), "shadow".into(), 0)) && now.contains(&(v[1].clone(), "canary".into(), 30)),
            "{}: {now:?}",
            m.actor
        );
        assert!(open_conflicts(m).is_empty(), "{}", m.actor);
    }
}
