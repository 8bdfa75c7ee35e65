//! The team roster's rules. A roster lists members by key with roles (owner, validator, risk,
//! deployer); every change is an audit event signed by an owner — `team init` makes the person
//! running it the first owner. Once a workspace has a roster, the roles gate what the rules
//! already know: approving in a role needs that role, deploying to a production environment
//! needs `deployer`, resolving an erasure needs `risk`; and whoever acts must be a member. A
//! workspace without a roster works as it did for one person.

use rusqlite::Connection;
use serde::{Deserialize, Serialize};
use serde_json::json;
use ts_rs::TS;

use super::GovError;
use crate::audit;
use crate::catalog::roster::{self, MemberRow};
use crate::identity::{self, ssh};

/// Roles a member can hold.
pub const TEAM_ROLES: &[&str] = &["owner", "validator", "risk", "deployer"];

/// A member as people see them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, TS)]
#[serde(rename_all = "camelCase")]
pub struct Member {
    pub name: String,
    pub fingerprint: String,
    pub public_key: String,
    pub roles: Vec<String>,
    /// The audit event that gave these roles.
    #[ts(type = "number")]
    pub since_seq: i64,
}

impl From<MemberRow> for Member {
    fn from(r: MemberRow) -> Member {
        Member { name: r.name, fingerprint: r.fingerprint, public_key: r.public_key, roles: r.roles, since_seq: r.from_seq }
    }
}

/// The key acting (this process's, or the author's of a replayed event); a roster needs one.
fn me() -> Result<identity::ActingKey, GovError> {
    identity::acting()
        .map_err(|e| GovError::Catalog(crate::catalog::CatalogError::Signer(e)))?
        .ok_or_else(|| GovError::Team("a team roster needs your signing key: run this from the CLI or the app".into()))
}

/// A public key as given: an `ssh-ed25519 AAAA…` line, an `allowed_signers` line
/// (`principal[,…] [options] ssh-ed25519 AAAA…`), or the path of a file holding one. Returns the
/// key line and the principal or comment found with it (a default name).
pub fn parse_member_key(given: &str) -> Result<(String, String), GovError> {
    let text = match std::fs::read_to_string(given.trim()) {
        Ok(t) if t.len() < 16 << 10 => t,
        _ => given.to_string(),
    };
    let line = text.lines().map(str::trim).find(|l| !l.is_empty() && !l.starts_with('#')).unwrap_or_default();
    let tokens: Vec<&str> = line.split_whitespace().collect();
    let at = tokens.iter().position(|t| *t == "ssh-ed25519").ok_or_else(|| {
        GovError::Team(format!("{given:?} is not an ssh-ed25519 public key (paste the line from `pedigree identity show`)"))
    })?;
    let key_text = format!("ssh-ed25519 {}", tokens.get(at + 1).unwrap_or(&""));
    let pk = ssh::parse_public_key_line(&key_text).map_err(GovError::Team)?;
    let principal =
        if at > 0 { tokens[0].split(',').next().unwrap_or_default() } else { tokens.get(at + 2).copied().unwrap_or_default() };
    Ok((ssh::public_key_line(&pk), principal.to_string()))
}

fn check_roles(roles: &[String]) -> Result<Vec<String>, GovError> {
    super::role_set("roles", roles, TEAM_ROLES, "a member holds at least one role (owner, validator, risk, deployer)")
}

/// The current identity, which must be an owner of the roster.
fn owner(conn: &Connection) -> Result<String, GovError> {
    require_owner(conn, "changes its roster")?;
    Ok(me()?.public_key)
}

/// Refuses unless the key acting is an owner of the roster: only an owner `what`.
pub fn require_owner(conn: &Connection, what: &str) -> Result<(), GovError> {
    let id = me()?;
    match roster::member(conn, &id.public_key)? {
        Some(m) if m.roles.iter().any(|r| r == "owner") => Ok(()),
        _ => Err(GovError::Team(format!("only an owner of the team {what}; the key {} is not one", id.fingerprint))),
    }
}

/// Starts the roster with the person running it as its owner.
pub fn init(conn: &Connection, name: &str, actor: &str) -> Result<Vec<Member>, GovError> {
    if roster::exists(conn)? {
        return Err(GovError::Team("this workspace has a team roster already (pedigree team list)".into()));
    }
    let id = me()?;
    let key = id.public_key.clone();
    let name = if name.trim().is_empty() { actor } else { name.trim() };
    let roles = vec!["owner".to_string()];
    let seq =
        audit::append(conn, &audit::now(), actor, "team_init", "team", &json!({"publicKey": key, "name": name, "roles": roles}))?;
    roster::insert(
        conn,
        &MemberRow { public_key: key, fingerprint: id.fingerprint, name: name.into(), roles, from_seq: seq, to_seq: None },
    )?;
    list(conn)
}

/// Adds a member, or changes an existing member's name and roles (owners only).
pub fn set(
    conn: &Connection,
    key_given: &str,
    name: Option<&str>,
    roles: &[String],
    actor: &str,
) -> Result<Vec<Member>, GovError> {
    owner(conn)?;
    let (key, principal) = parse_member_key(key_given)?;
    let roles = check_roles(roles)?;
    let existing = roster::member(conn, &key)?;
    let name = name
        .map(str::trim)
        .filter(|n| !n.is_empty())
        .map(str::to_string)
        .or_else(|| existing.as_ref().map(|m| m.name.clone()))
        .or_else(|| (!principal.is_empty()).then_some(principal))
        .ok_or(GovError::Missing { field: "name", why: "name the new member" })?;
    if existing.as_ref().is_some_and(|m| !roles.iter().any(|r| r == "owner") && m.roles.iter().any(|r| r == "owner")) {
        last_owner_stays(conn, &key)?;
    }
    let pk = ssh::parse_public_key_line(&key).map_err(GovError::Team)?;
    let seq =
        audit::append(conn, &audit::now(), actor, "team_set", "team", &json!({"publicKey": key, "name": name, "roles": roles}))?;
    roster::close(conn, &key, seq)?;
    roster::insert(
        conn,
        &MemberRow { public_key: key, fingerprint: ssh::fingerprint(&pk), name, roles, from_seq: seq, to_seq: None },
    )?;
    list(conn)
}

/// A roster keeps at least one owner.
fn last_owner_stays(conn: &Connection, leaving: &str) -> Result<(), GovError> {
    let others =
        roster::current(conn)?.into_iter().filter(|m| m.public_key != leaving && m.roles.iter().any(|r| r == "owner")).count();
    if others == 0 {
        return Err(GovError::Team("the team would have no owner left; make another member an owner first".into()));
    }
    Ok(())
}

/// Removes a member, named by key, fingerprint or name (owners only).
pub fn remove(conn: &Connection, who: &str, actor: &str) -> Result<Vec<Member>, GovError> {
    owner(conn)?;
    let who = who.trim();
    let key_of = parse_member_key(who).ok().map(|(k, _)| k);
    let matches: Vec<MemberRow> = roster::current(conn)?
        .into_iter()
        .filter(|m| Some(&m.public_key) == key_of.as_ref() || m.fingerprint == who || m.name == who)
        .collect();
    let m = match matches.as_slice() {
        [one] => one.clone(),
        [] => return Err(GovError::Team(format!("no member {who:?} (pedigree team list)"))),
        _ => return Err(GovError::Team(format!("{who:?} names several members; give the fingerprint"))),
    };
    if m.roles.iter().any(|r| r == "owner") {
        last_owner_stays(conn, &m.public_key)?;
    }
    let seq =
        audit::append(conn, &audit::now(), actor, "team_remove", "team", &json!({"publicKey": m.public_key, "name": m.name}))?;
    roster::close(conn, &m.public_key, seq)?;
    list(conn)
}

pub fn list(conn: &Connection) -> Result<Vec<Member>, GovError> {
    Ok(roster::current(conn)?.into_iter().map(Member::from).collect())
}

/// With a roster, the person acting must be a member holding `role` to do `what`; without one,
/// anyone may.
pub fn require_role(conn: &Connection, role: &str, what: &str) -> Result<(), GovError> {
    if !roster::exists(conn)? {
        return Ok(());
    }
    let id = me()?;
    match roster::member(conn, &id.public_key)? {
        Some(m) if m.roles.iter().any(|r| r == role) => Ok(()),
        Some(m) => Err(GovError::Team(format!(
            "{what} needs the {role} role; {} ({}) holds {} — an owner can grant it (pedigree team add)",
            m.name,
            m.fingerprint,
            m.roles.join(", ")
        ))),
        None => Err(GovError::Team(format!(
            "{what}: the key {} is not in the team's roster; an owner adds it with the public key `pedigree identity show` prints",
            id.fingerprint
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn member_keys_are_read_from_key_lines_allowed_signers_lines_and_files() {
        let pk = [7u8; 32];
        let line = ssh::public_key_line(&pk);
        assert_eq!(parse_member_key(&format!("{line} bob@example.com")).unwrap(), (line.clone(), "bob@example.com".into()));
        assert_eq!(parse_member_key(&format!("bob@example.com,b@x {line}")).unwrap(), (line.clone(), "bob@example.com".into()));
        assert_eq!(
            parse_member_key(&format!("bob@example.com namespaces=\"git\" {line}")).unwrap(),
            (line.clone(), "bob@example.com".into())
        );
        let d = tempfile::tempdir().unwrap();
        let f = d.path().join("bob.pub");
        std::fs::write(&f, format!("{line} bob\n")).unwrap();
        assert_eq!(parse_member_key(f.to_str().unwrap()).unwrap().0, line);
        assert!(parse_member_key("ssh-rsa AAAA bob").is_err());
        assert!(parse_member_key("ssh-ed25519 !!!").is_err());
    }
}
