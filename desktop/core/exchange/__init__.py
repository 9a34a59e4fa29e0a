r"""Prompts in and out of files: our own format with full history, and three foreign formats.

    export_prompts(session, DIR, ["support", "greet"]) -> ExportReport
    import_paths(workspace, ["DIR", "x.prompty"], into="", author=...) -> ImportReport
    detect_format(text) -> "Promptpress" | "Humanloop" | "Dotprompt"

**Export** writes, for each prompt, `DIR/<name>.prompt` (its current version in the prompt file
format, for people and other tools) and `DIR/<name>.history.json` (every version: content,
parent, author, message, time; and restores and renames). Folders in a name are folders on disk;
characters some systems refuse in file names (`<>:"|?*\\%`) are written `%XX`. Exporting over
files with other content is refused unless asked for.

**Import** takes files and folders. A prompt is named after its path under the folder given
(`support/greet.prompty` -> `support/greet`), under `into` if given. Import only ever adds
versions: content a prompt already has adds nothing, and nothing is changed or removed. A file's
version (or history) becomes the prompt's current version when the prompt is new, or when it
descends from the current version (like a save, or a fast-forward); otherwise the current version
stays and the report says how to switch. Each file is one transaction. The report lists, per
file, what was imported, and everything that was left out or changed on the way.

Which kind of `.prompt` file: a history file next to it, or only our front-matter keys with
`{{role "..."}}` lines, means ours; `<system>`/`<user>`/`<assistant>` tags or Humanloop's
top-level model parameters (`provider`, `endpoint`, `temperature`...) mean Humanloop; Dotprompt
keys (`config`, `input`, `output`...), Genkit model names (`googleai/...`) or Handlebars blocks
mean Dotprompt. A file that fits both ours and Dotprompt means the same in both.

| Source | Becomes in Promptpress | Not imported (reported) |
|---|---|---|
| **Promptpress** `.prompt` + `.history.json` | every version with its id, parent, author, message and time; the current version; restores and renames (into a prompt new to the workspace). An edited `.prompt` becomes a new version on top of the one it was exported from | a version whose content no longer matches its id is imported under its real id, and reported |
| **Dotprompt** `model` | litellm id: `googleai/` -> `gemini/`, `vertexai/` -> `vertex_ai/`, `openai/`, `anthropic/`, `ollama/` kept | |
| Dotprompt `config` | `temperature`, `maxOutputTokens` -> `max_tokens`, `topP` -> `top_p`, `topK` -> `top_k`, `stopSequences` -> `stop`, `presencePenalty`, `frequencyPenalty`, `seed` | `config.version`, other config keys |
| Dotprompt `input.schema` (Picoschema or JSON Schema), `input.default` | one variable per field, with its description; defaults as text (structured defaults as JSON text); optional fields and fields only tested in `{{#if}}` default to empty, as undefined reads in Dotprompt | named schemas (they live in code) |
| Dotprompt `output.format: json` + `output.schema` | `response_format` `json_schema` (Picoschema compiled to JSON Schema); `json` without schema -> `json_object` | other output formats (`media`, `array`, `enum`, `jsonl`) |
| Dotprompt `toolDefs` | OpenAI function tools | `tools` (names of tools registered in code), `metadata`, `ext` and dotted extension keys, `raw`, `name`/`variant` (the file name names the prompt), `version` (kept in the version's message) |
| Dotprompt template | `{{role "system"\|"user"\|"model"}}` split messages (model -> assistant) as Dotprompt does; the line break after a role marker and before the next are layout and dropped; Handlebars to Jinja: `{{x}}`, `{{{x}}}`, `#if`/`else if`/`else`, `#unless`, `#each` (with `this`, `@index`, `@first`, `@last`, `@key`, `../`, `as \|a b\|`), `#with`, `ifEquals`/`unlessEquals`, `json` (-> `tojson`), comments, `~` whitespace control, standalone-line rules; text that Jinja would read as a tag is escaped | `{{history}}`, `{{media}}` (images), `{{section}}`, partials, other helpers and sub-expressions, role markers inside blocks (kept as plain text where they stood, and listed with their line) |
| **Humanloop** `model` + `provider` | litellm id `provider/model` (`google` -> `gemini`, `openai_azure` -> `azure`, ...) | |
| Humanloop `temperature`, `max_tokens`, `top_p`, `stop`, `presence_penalty`, `frequency_penalty`, `seed`, `reasoning_effort`, `other` | parameters (`max_tokens: -1`, "as many as fit", is left unset) | |
| Humanloop `response_format`, `tools` | `response_format`; tools as OpenAI function tools | tool fields other than name, description, parameters, strict |
| Humanloop body `<system>`, `<user>`, `<assistant>` | messages; the tag's own line breaks and the indentation the format adds are removed; `<text>` parts joined by line breaks; `{{ name }}` -> Jinja variable (names made valid); other `{`-sequences escaped unless `template_language: jinja` | `<image>` parts, `<tool>` calls inside assistant messages, `<tool>` result messages, `endpoint` other than chat/complete (a completion prompt becomes one user message) |
| **Prompty** v1 `model.configuration` (`type`, `azure_deployment`/`name`) | model `azure/<deployment>` (also without a `type`, reported), `openai/<name>` | endpoint, API version, keys (`${env:...}`): set up a provider instead |
| Prompty v2 `model.id` + `provider`, `model.options` | model `provider/id` (no `id`: `model.connection.azure_deployment` as `azure/<deployment>`); `maxOutputTokens`, `topP`, `stopSequences`... as above | `model.connection` (endpoints, keys) |
| Prompty `model.parameters` (v1) | parameters; `response_format` (`${file:NAME}` read as JSON from NAME beside the `.prompty` file; a bare JSON schema becomes `json_schema`); `tools` as OpenAI function tools | `tool_choice`, unknown parameters, a `${file:...}` outside the file's folder, missing or not JSON |
| Prompty `inputs` (v1 map, v2 list or `inputSchema.properties`) | variables with description and `default` (or `sample`) | |
| Prompty `outputs` / `outputSchema` | `response_format` `json_schema` | |
| Prompty `name`, `authors`, `version`, `tags`, `metadata` | kept in the imported version's message | `sample` (belongs in a test set), `base`, other `metadata` |
| Prompty body | split at role lines (`system:`, `user:`, `assistant:`, `# user:`...), first message system by default, blank lines around each message removed (as Prompty does); `developer` -> system; Jinja kept; Mustache translated like Handlebars | `![thread]`, `tool`/`function` messages, role attributes, images (Markdown images stay as text), role lines produced by the template at run time |
"""

from .common import ExchangeError, ForeignFileError, Notes
from .exporter import ExportedPrompt, ExportReport, export_prompts, select_prompts
from .importer import FileReport, ImportReport, detect_format, discover, import_paths
from .native import HISTORY_SUFFIX, PROMPT_SUFFIX

__all__ = [
    "ExchangeError",
    "ExportReport",
    "ExportedPrompt",
    "FileReport",
    "ForeignFileError",
    "HISTORY_SUFFIX",
    "ImportReport",
    "Notes",
    "PROMPT_SUFFIX",
    "detect_format",
    "discover",
    "export_prompts",
    "import_paths",
    "select_prompts",
]
