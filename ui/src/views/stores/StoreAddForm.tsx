/** The "Add a store" form: name and URI; for S3, endpoint, region and keys (sealed in the workspace). */
import { useState } from "react";
import { useBackend } from "../../backend";
import type { StoreAddRequest, StoreInfo } from "../../backend/generated/api";
import { SubmitRow } from "../../components/SubmitRow";
import { TextField } from "../../components/TextField";
import { useAction } from "../../components/useAction";

export function StoreAddForm({ onAdded }: { onAdded: (s: StoreInfo) => void }) {
  const backend = useBackend();
  const [name, setName] = useState("");
  const [uri, setUri] = useState("");
  const [s3Fields, setS3Fields] = useState(NO_S3_FIELDS);
  const { busy, error, run } = useAction();
  const s3 = /^s3:\/\//i.test(uri.trim());

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    const req: StoreAddRequest = { name: name.trim(), uri: uri.trim(), ...s3Request(s3, s3Fields), sessionToken: null, timeoutSecs: null, retries: null };
    await run(async () => {
      const info = await backend.call("store_add", req);
      setName("");
      setUri("");
      setS3Fields(NO_S3_FIELDS);
      onAdded(info);
    });
  };

  return (
    <form className="card store-form" data-testid="store-add-form" onSubmit={submit}>
      <h2>Add a store</h2>
      <div className="fields">
        <TextField label="Name" testId="store-name" value={name} onChange={setName} placeholder="models" required />
        <TextField
          label="URI"
          layout="grow"
          testId="store-uri"
          value={uri}
          onChange={setUri}
          placeholder="file:///data/models · s3://bucket/prefix · https://host/models/ · hf-cache:// (Hugging Face cache)"
          required
        />
      </div>
      {s3 && <S3Fields fields={s3Fields} onChange={setS3Fields} />}
      <SubmitRow testId="store-add" error={error} busy={busy} label="Add store" />
    </form>
  );
}

interface S3FieldValues {
  endpoint: string;
  region: string;
  accessKeyId: string;
  secret: string;
}

const NO_S3_FIELDS: S3FieldValues = { endpoint: "", region: "", accessKeyId: "", secret: "" };

/** The S3 part of the request: what was typed for an s3:// URI, nulls otherwise. */
function s3Request(s3: boolean, f: S3FieldValues): Pick<StoreAddRequest, "endpoint" | "region" | "accessKeyId" | "secretAccessKey"> {
  const opt = (v: string) => (s3 && v.trim() ? v.trim() : null);
  return { endpoint: opt(f.endpoint), region: opt(f.region), accessKeyId: opt(f.accessKeyId), secretAccessKey: s3 && f.secret ? f.secret : null };
}

function S3Fields({ fields, onChange }: { fields: S3FieldValues; onChange: (f: S3FieldValues) => void }) {
  const set = (key: keyof S3FieldValues) => (value: string) => onChange({ ...fields, [key]: value });
  return (
    <>
      <div className="fields" data-testid="store-s3-fields">
        <TextField
          label="Endpoint (S3-compatible servers)"
          layout="grow"
          testId="store-endpoint"
          value={fields.endpoint}
          onChange={set("endpoint")}
          placeholder="http://127.0.0.1:9000"
        />
        <TextField label="Region" testId="store-region" value={fields.region} onChange={set("region")} placeholder="us-east-1" />
        <TextField label="Access key id" testId="store-access-key" value={fields.accessKeyId} onChange={set("accessKeyId")} autoComplete="off" />
        <TextField label="Secret access key" testId="store-secret" type="password" value={fields.secret} onChange={set("secret")} autoComplete="new-password" />
      </div>
      <p className="muted">
        Keys given here are sealed in the workspace (encrypted with a key in its <span className="mono">keys/</span> folder) and never shown again.
        Without them, the <span className="mono">AWS_*</span> environment variables are used when indexing.
      </p>
    </>
  );
}
