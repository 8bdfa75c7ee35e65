import { describe, expect, it } from "vitest";
import { pickleVerdicts } from "./pickle";

describe("pickle verdicts", () => {
  it("names the libraries and versions a known pickle runs, and warns about unknown and dangerous ones", () => {
    const v = pickleVerdicts({
      "model/config.json": { format: "unknown" },
      "z.pkl": { pickle_risk: "dangerous", dangerous_imports: "posix.system", imports: "posix.system" },
      "churn.pkl": {
        pickle_risk: "known",
        loading_runs_code_from: "numpy,sklearn",
        "library_version.sklearn": "1.5.2",
        imports: "numpy.dtype,sklearn.ensemble._forest.RandomForestClassifier",
      },
      "custom.pkl": { pickle_risk: "unknown", unknown_imports: "__main__.MyModel", imports: "__main__.MyModel" },
    });
    expect(v.map((x) => [x.path, x.risk])).toEqual([
      ["churn.pkl", "known"],
      ["custom.pkl", "unknown"],
      ["z.pkl", "dangerous"],
    ]);
    expect(v[0].text).toBe("Loading runs code from numpy, sklearn 1.5.2.");
    expect(v[0].imports).toHaveLength(2);
    expect(v[1].text).toContain("__main__.MyModel");
    expect(v[2].text).toContain("posix.system");
  });
});
