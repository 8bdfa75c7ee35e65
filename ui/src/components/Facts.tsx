/** Fact rows shared by the side panel and the version page. */
import { when } from "../format";

export function CreatedFacts({ createdAt, createdBy, message }: { createdAt: string; createdBy: string; message: string }) {
  return (
    <>
      <dt>Created</dt>
      <dd>
        {when(createdAt)} by {createdBy}
      </dd>
      {message && (
        <>
          <dt>Message</dt>
          <dd>{message}</dd>
        </>
      )}
    </>
  );
}
