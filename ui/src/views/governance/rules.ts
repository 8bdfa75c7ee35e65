/** What the governance forms offer and how the panel words the gate, the baseline and production environments. */
import type { Approval, Environment, Evaluation, Gate } from "../../backend/generated/api";
import { andList, num } from "../../format";

export const ROLES = ["validator", "owner", "risk"] as const;
export const PROMOTE_TO = ["candidate", "approved", "deprecated", "revoked"] as const;
export const STRATEGIES = ["full", "blue-green", "canary", "shadow"] as const;

/** `needs validator approval`, `approved by alice (validator)`, `rejected by risk (bob)`. */
export function gateText(g: Gate, approvals: Approval[]): string {
  const by = (role: string) => {
    const a = [...approvals].reverse().find((x) => x.role === role);
    return a ? `${a.actor} (${role})` : role;
  };
  if (g.rejected.length > 0) return `rejected by ${andList(g.rejected.map(by))}`;
  if (g.ok) return `approved by ${andList(g.approved.map(by))}`;
  const need = `needs ${andList(g.missing)} approval`;
  return g.approved.length > 0 ? `${need} (approved by ${andList(g.approved.map(by))})` : need;
}

/** `better than 1.0.0 (0.8)`: the verdict against the previous version's value. */
export function baselineText(e: Evaluation, model: string): string {
  if (!e.vsBaseline || e.baseline === null) return "";
  const base = (e.baselineVersion ?? "").replace(new RegExp(`^${model.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}@`), "");
  const word = e.vsBaseline === "same" ? "same as" : `${e.vsBaseline} than`;
  return `${word} ${base} (${num(e.baseline)})`;
}

export function isProductionEnv(name: string, envs: Environment[]): boolean {
  const known = envs.find((e) => e.name === name);
  return known ? known.production : name === "prod" || name === "production";
}
