//! The team roster (#14): members by key with roles; only owners change it; roles gate
//! approvals, production deployments and erasure resolution; removal takes effect at once; a
//! workspace without a roster is one person's, as before.

use serde_json::Value;

use super::common::Ws;
use super::{ok_json, refused, two_versions};

fn key_of(ws: &Ws, actor: &str) -> String {
    ok_json(ws, actor, &["identity", "show"])["publicKey"].as_str().unwrap().to_string()
}

fn roles(team: &Value, name: &str) -> Vec<String> {
    let m = team["members"].as_array().unwrap().iter().find(|m| m["name"] == name).unwrap_or_else(|| panic!("{name} in {team}"));
    m["roles"].as_array().unwrap().iter().map(|r| r.as_str().unwrap().to_string()).collect()
}

#[test]
fn a_roster_of_keys_gates_approvals_production_and_erasure_and_only_owners_change_it() {
    let ws = Ws::new();
    two_versions(&ws);
    let (alice, bob, carol) = ("alice@example.com", "bob@example.com", "carol@example.com");
    assert!(ok_json(&ws, alice, &["team", "list"])["members"].as_array().unwrap().is_empty());
    let team = ok_json(&ws, alice, &["team", "init", "--name", "Alice"]);
    assert_eq!(roles(&team, "Alice"), ["owner"]);
    assert_eq!(team["me"], team["members"][0]["fingerprint"], "{team}");
    assert!(refused(&ws, alice, &["team", "init"]).contains("already"));

    // Bob is not a member yet: his approval is refused, whatever his name.
    let approve =
        |role: &'static str| ["approve", "churn@1.0.0", "--decision", "approved", "--role", role, "--justification", "ok"];
    let err = refused(&ws, bob, &approve("validator"));
    assert!(err.contains("not in the team's roster") && err.contains("SHA256:"), "{err}");

    // An owner adds him by the key line he printed, as a validator.
    let bob_key = key_of(&ws, bob);
    let team = ok_json(&ws, alice, &["team", "add", &bob_key, "--name", "Bob", "--role", "validator"]);
    assert_eq!(roles(&team, "Bob"), ["validator"]);
    ok_json(&ws, bob, &approve("validator"));
    let err = refused(&ws, bob, &approve("risk"));
    assert!(err.contains("needs the risk role") && err.contains("Bob"), "{err}");
    // Only owners change the roster.
    let carol_key = key_of(&ws, carol);
    assert!(refused(&ws, bob, &["team", "add", &carol_key, "--name", "Carol", "--role", "owner"]).contains("only an owner"));
    // An allowed_signers line names the member; roles are checked.
    let line = format!("carol@example.com {carol_key}");
    assert!(refused(&ws, alice, &["team", "add", &line, "--role", "boss"]).contains("unknown roles"));
    let team = ok_json(&ws, alice, &["team", "add", &line, "--role", "deployer,risk"]);
    assert_eq!(roles(&team, "carol@example.com"), ["deployer", "risk"]);

    // Production needs a deployer: not the owner, yes Carol.
    ok_json(&ws, alice, &["promote", "churn@1.0.0", "--status", "approved", "--reason", "validated"]);
    let deploy = ["deploy", "churn@1.0.0", "--env", "prod", "--strategy", "full", "--reason", "go"];
    assert!(refused(&ws, alice, &deploy).contains("needs the deployer role"));
    ok_json(&ws, carol, &deploy);
    // Staging is not gated.
    ok_json(&ws, alice, &["deploy", "churn@1.1.0", "--env", "staging", "--strategy", "full", "--reason", "try"]);
    // Erasure resolution needs risk.
    ok_json(&ws, alice, &["erase", "--dataset", "d@1", "--subject-hash", &"ab".repeat(32), "--reason", "Art. 17"]);
    let exception = ["erasure", "resolve", "1", "churn@1.0.0", "--exception", "legal hold"];
    assert!(refused(&ws, bob, &exception).contains("needs the risk role"));
    ok_json(&ws, carol, &exception);

    // The last owner stays; a removed member loses their roles at once.
    assert!(refused(&ws, alice, &["team", "remove", "Alice"]).contains("no owner left"));
    let team = ok_json(&ws, alice, &["team", "remove", "Bob"]);
    assert_eq!(team["members"].as_array().unwrap().len(), 2);
    let err =
        refused(&ws, bob, &["approve", "churn@1.1.0", "--decision", "approved", "--role", "validator", "--justification", "x"]);
    assert!(err.contains("not in the team's roster"), "{err}");
    // Every roster change is an audit event, signed, and the chain verifies.
    let log = ok_json(&ws, alice, &["audit", "log", "--subject", "team"]);
    let actions: Vec<&str> = log["events"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    assert_eq!(actions, ["team_remove", "team_set", "team_set", "team_init"], "{log}");
    let signed: Vec<Option<&str>> = log["signedBy"].as_array().unwrap().iter().map(|s| s["member"].as_str()).collect();
    assert_eq!(signed, [Some("Alice"); 4], "each signed by the owner, named from the roster of its time: {log}");
    let human = super::common::stdout(&ws.command_as(alice, &["audit", "log", "--subject", "team"]).output().unwrap());
    assert!(human.contains("SIGNED BY") && human.contains("Alice (SHA256:"), "{human}");
    let v = ok_json(&ws, alice, &["audit", "verify"]);
    assert_eq!((v["ok"].as_bool(), v["signers"].as_array().map(Vec::len)), (Some(true), Some(3)), "{v}");
}
