/** Governance of a version and its environments, loaded for the version shown and reloaded after every change. */
import { useCallback } from "react";
import { useBackend } from "../../backend";
import type { Environment } from "../../backend/generated/api";
import { useLoad } from "../../components/useLoad";

const NO_ENVIRONMENTS: Environment[] = [];

export function useGovernance(reference: string) {
  const backend = useBackend();
  // Answers about a version no longer shown are dropped (useLoad keeps the latest only).
  const gov = useLoad(() => backend.call("version_governance", { reference }), [backend, reference]);
  // Only used for hints in the deploy form: a failure is not shown.
  const envs = useLoad(async () => (await backend.call("deployments", { env: null, reference: null })).environments, [backend]);
  const { refresh: reloadGov } = gov;
  const { refresh: reloadEnvs } = envs;
  const reload = useCallback(async () => {
    await reloadGov();
    await reloadEnvs();
  }, [reloadGov, reloadEnvs]);
  return { gov: gov.data, envs: envs.data ?? NO_ENVIRONMENTS, error: gov.error, reload };
}

export type Governance = ReturnType<typeof useGovernance>;
