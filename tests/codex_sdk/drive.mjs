// Drives switchboard through the official Codex TypeScript SDK (tests/codex_sdk.rs).
// Everything it needs comes from the environment; it prints one JSON object with what
// the SDK returned, and exits non-zero only when something it did not expect threw.
const { Codex } = await import(process.env.SDK_ENTRY);

const codex = new Codex({
  codexPathOverride: process.env.SWITCHBOARD_BIN,
  baseUrl: process.env.BASE_URL,
  apiKey: process.env.API_KEY,
  // The SDK passes exactly this environment (no OPENAI_* variables: the key must come
  // from the SDK as CODEX_API_KEY, the endpoint as --config openai_base_url).
  env: {
    PATH: process.env.PATH,
    HOME: process.env.CHILD_HOME,
    SWITCHBOARD_HOME: process.env.SWITCHBOARD_HOME,
  },
});
const options = { workingDirectory: process.env.WORKDIR, approvalPolicy: "never" };
const failure = async (run) => {
  try {
    await run();
    return null;
  } catch (error) {
    return String(error.message);
  }
};

const thread = codex.startThread(options);
const first = await thread.run("run the greeting command");

const events = [];
const streamed = await thread.runStreamed("and now something else");
for await (const event of streamed.events) {
  events.push(event);
}

const resumed = codex.resumeThread(thread.id, options);
const third = await resumed.run("what did I ask first?");

const schema = {
  type: "object",
  properties: { summary: { type: "string" }, files: { type: "integer" } },
  required: ["summary", "files"],
  additionalProperties: false,
};
const structured = await codex.startThread(options).run("the summary as json", { outputSchema: schema });
const mismatch = await failure(() =>
  codex.startThread(options).run("a broken summary as json", { outputSchema: schema }),
);
const sandboxed = await failure(() =>
  codex.startThread({ ...options, sandboxMode: "workspace-write" }).run("hello"),
);
const image = await failure(() =>
  codex.startThread(options).run([
    { type: "text", text: "look" },
    { type: "local_image", path: "shot.png" },
  ]),
);

console.log(
  JSON.stringify({
    threadId: thread.id,
    resumedId: resumed.id,
    first,
    events,
    third,
    structured,
    mismatch,
    sandboxed,
    image,
  }),
);
