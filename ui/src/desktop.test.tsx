import { describe, expect, it, vi } from "vitest";
import { act, fireEvent, screen, waitFor } from "@testing-library/react";
import { stubBackend } from "./test/stub-backend";
import { renderWithBackend } from "./test/render";
import type { DesktopShell, MenuAction, OpenWorkspaceResponse, RecentWorkspace, WorkspaceChanged } from "./backend";
import { RegisterButton, WorkspaceMenu, WorkspaceOffer, useDesktop, useWorkspaceGeneration } from "./desktop";
import { ExportMenu } from "./views/lineage/ExportMenu";

/** A desktop shell that answers from the arguments and lets the test fire menu and workspace events. */
function stubShell(over: Partial<DesktopShell> = {}) {
  const menu = new Set<(a: MenuAction) => void>();
  const changed = new Set<(e: WorkspaceChanged) => void>();
  const shell: DesktopShell = {
    pick: vi.fn(async () => ["/models/a.safetensors"]),
    saveAs: vi.fn(async (name: string) => `/home/me/${name}`),
    openWorkspace: vi.fn(async (path: string, create: boolean): Promise<OpenWorkspaceResponse> => ({ status: "opened", workspace: path, created: create, recent: [] })),
    recentWorkspaces: vi.fn(async (): Promise<RecentWorkspace[]> => []),
    onMenu: (cb) => (menu.add(cb), () => void menu.delete(cb)),
    onWorkspaceChanged: (cb) => (changed.add(cb), () => void changed.delete(cb)),
    ...over,
  };
  const fire = (a: MenuAction) => act(() => menu.forEach((cb) => cb(a)));
  const switched = (workspace: string) => act(() => changed.forEach((cb) => cb({ workspace })));
  return { shell, fire, switched };
}

function Harness({ onPaths, onNotice }: { onPaths: (p: string[]) => void; onNotice: (t: string) => void }) {
  const desktop = useDesktop(onPaths, onNotice);
  const generation = useWorkspaceGeneration(() => {});
  if (!desktop) return <p>browser</p>;
  return (
    <>
      <span data-testid="generation">{generation}</span>
      <RegisterButton desktop={desktop} />
      <WorkspaceMenu desktop={desktop} label="/ws/one · 0 models" />
      <WorkspaceOffer desktop={desktop} />
      {desktop.error && <p role="alert">{desktop.error}</p>}
    </>
  );
}

function mount(shell: DesktopShell | undefined) {
  const { backend } = stubBackend({});
  const onPaths = vi.fn();
  const onNotice = vi.fn();
  renderWithBackend({ ...backend, transport: shell ? "tauri" : "http", shell }, <Harness onPaths={onPaths} onNotice={onNotice} />);
  return { onPaths, onNotice };
}

describe("desktop shell controls", () => {
  it("render nothing in a browser", () => {
    mount(undefined);
    expect(screen.getByText("browser")).toBeTruthy();
    expect(screen.queryByTestId("register-button")).toBeNull();
  });

  it("Register… opens the native chooser and the form gets the chosen paths; cancelling does nothing", async () => {
    const { shell } = stubShell();
    const { onPaths } = mount(shell);
    fireEvent.click(screen.getByTestId("register-button"));
    await waitFor(() => expect(onPaths).toHaveBeenCalledWith(["/models/a.safetensors"]));
    expect(shell.pick).toHaveBeenCalledWith("registerFiles");
    vi.mocked(shell.pick).mockResolvedValueOnce([]);
    fireEvent.click(screen.getByTestId("register-button"));
    await waitFor(() => expect(shell.pick).toHaveBeenCalledTimes(2));
    expect(onPaths).toHaveBeenCalledTimes(1);
  });

  it("menu items run the same flows: register a folder, open a recent workspace", async () => {
    const { shell, fire } = stubShell({ pick: vi.fn(async () => ["/models/hf-folder"]) });
    const { onPaths, onNotice } = mount(shell);
    fire({ action: "registerFolder" });
    await waitFor(() => expect(onPaths).toHaveBeenCalledWith(["/models/hf-folder"]));
    expect(shell.pick).toHaveBeenCalledWith("registerFolder");
    fire({ action: "openRecent", path: "/ws/two" });
    await waitFor(() => expect(onNotice).toHaveBeenCalledWith("Opened workspace /ws/two"));
    expect(shell.openWorkspace).toHaveBeenCalledWith("/ws/two", false);
  });

  it("a folder that is not a workspace is offered for creation, created only when accepted", async () => {
    const { shell, fire } = stubShell({
      pick: vi.fn(async () => ["/data/empty"]),
      openWorkspace: vi.fn(async (path: string, create: boolean): Promise<OpenWorkspaceResponse> =>
        create ? { status: "opened", workspace: path, created: true, recent: [] } : { status: "notAWorkspace", path },
      ),
    });
    const { onNotice } = mount(shell);
    fire({ action: "openWorkspace" });
    await screen.findByTestId("workspace-offer");
    expect(screen.getByTestId("workspace-offer").textContent).toContain("/data/empty is not a Pedigree workspace yet");
    expect(shell.openWorkspace).toHaveBeenCalledTimes(1);
    fireEvent.click(screen.getByTestId("workspace-create"));
    await waitFor(() => expect(onNotice).toHaveBeenCalledWith("Created a new workspace in /data/empty"));
    expect(shell.openWorkspace).toHaveBeenLastCalledWith("/data/empty", true);
    expect(screen.queryByTestId("workspace-offer")).toBeNull();
  });

  it("an error opening a workspace is shown, saying what to do", async () => {
    const { shell, fire } = stubShell({
      openWorkspace: vi.fn(async () => {
        throw { code: "not_found", message: "/gone does not exist (moved or deleted?); choose another folder with File → Open workspace…" };
      }),
    });
    mount(shell);
    fire({ action: "openRecent", path: "/gone" });
    expect((await screen.findByRole("alert")).textContent).toContain("choose another folder");
  });

  it("the workspace menu lists recent workspaces, the open one and missing ones disabled", async () => {
    const recent: RecentWorkspace[] = [
      { path: "/ws/one", exists: true, current: true },
      { path: "/ws/two", exists: true, current: false },
      { path: "/ws/gone", exists: false, current: false },
    ];
    const { shell } = stubShell({ recentWorkspaces: vi.fn(async () => recent) });
    mount(shell);
    fireEvent.click(screen.getByTestId("workspace-switcher"));
    await waitFor(() => expect(screen.getAllByTestId("recent-workspace")).toHaveLength(3));
    const rows = screen.getAllByTestId("recent-workspace") as HTMLButtonElement[];
    expect(rows.map((r) => [r.dataset.path, r.disabled])).toEqual([
      ["/ws/one", true],
      ["/ws/two", false],
      ["/ws/gone", true],
    ]);
    expect(rows[2].textContent).toContain("missing");
    fireEvent.click(rows[1]);
    await waitFor(() => expect(shell.openWorkspace).toHaveBeenCalledWith("/ws/two", false));
    expect(screen.queryByTestId("workspace-menu")).toBeNull();
  });

  it("a workspace switch from anywhere bumps the generation the views are keyed on", async () => {
    const { shell, switched } = stubShell();
    mount(shell);
    expect(screen.getByTestId("generation").textContent).toBe("0");
    switched("/ws/two");
    expect(screen.getByTestId("generation").textContent).toBe("1");
  });
});

describe("exporting the lineage view", () => {
  const exported = { fileName: "version-churn@2.0.0.prov.json", mediaType: "application/json", text: '{"entity": {}}' };

  it("asks the desktop shell where to save, with the suggested name and the exported text", async () => {
    const { shell } = stubShell();
    const { backend, calls } = stubBackend({ export_lineage: () => exported });
    backend.shell = shell;
    renderWithBackend(backend, <ExportMenu focus="version:churn@2.0.0" up={2} down={1} />);
    fireEvent.change(screen.getByTestId("lineage-export"), { target: { value: "prov" } });
    await waitFor(() => expect(screen.getByTestId("lineage-export-status").textContent).toBe("saved /home/me/version-churn@2.0.0.prov.json"));
    expect(calls[0]).toEqual({ op: "export_lineage", req: { node: "version:churn@2.0.0", up: 2, down: 1, format: "prov" } });
    expect(shell.saveAs).toHaveBeenCalledWith(exported.fileName, exported.text);
  });

  it("downloads in a browser, and says why when the export fails", async () => {
    const clicked: string[] = [];
    const click = vi.spyOn(HTMLAnchorElement.prototype, "click").mockImplementation(function (this: HTMLAnchorElement) {
      clicked.push(this.download);
    });
    URL.createObjectURL = vi.fn(() => "blob:x");
    URL.revokeObjectURL = vi.fn();
    let fail = false;
    const { backend } = stubBackend({
      export_lineage: () => {
        if (fail) throw { code: "not_found", message: "version:gone@1.0.0 is not in the lineage graph" };
        return { ...exported, fileName: "x.openlineage.jsonl" };
      },
    });
    renderWithBackend(backend, <ExportMenu focus="version:churn@2.0.0" up={1} down={1} />);
    fireEvent.change(screen.getByTestId("lineage-export"), { target: { value: "openlineage" } });
    await waitFor(() => expect(clicked).toEqual(["x.openlineage.jsonl"]));
    fail = true;
    fireEvent.change(screen.getByTestId("lineage-export"), { target: { value: "prov" } });
    await waitFor(() => expect(screen.getByTestId("lineage-export-status").textContent).toContain("not in the lineage graph"));
    click.mockRestore();
  });
});
