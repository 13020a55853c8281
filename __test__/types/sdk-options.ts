// ferrofetch's fetch through each SDK's documented `fetch` option, typed by
// the SDK's own .d.ts: a change on either side that breaks the pairing
// fails `npm run test:types`.
import { fetch } from '../../index.js'
import OpenAI from 'openai'
import Anthropic from '@anthropic-ai/sdk'
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js'
import { createOpenAI } from '@ai-sdk/openai'
import ky from 'ky'
import { EventSource } from 'eventsource'

const url = 'http://127.0.0.1/'
void new OpenAI({ apiKey: 'k', baseURL: url, fetch })
void new Anthropic({ apiKey: 'k', baseURL: url, fetch })
void new StreamableHTTPClientTransport(new URL(url), { fetch })
void createOpenAI({ apiKey: 'k', baseURL: url, fetch })
void ky.create({ fetch })
void new EventSource(url, { fetch })
