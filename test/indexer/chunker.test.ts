import crypto from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { analyzeFile, type Chunk, type ChunkOptions } from '../../indexer/chunker.js';
import { hasGrammar, languageForPath, setGrammarPath, setLanguageLogger } from '../../indexer/languages.js';
import { createLogger, type Logger } from '../../core/log.js';

/**
 * Checks what must hold for every file: chunks in order, texts equal to their
 * line ranges, every non-blank line in exactly one chunk (windows may overlap),
 * no chunk starting or ending on a blank line, sizes within bounds unless a
 * single line is itself larger.
 */
function checkInvariants(text: string, chunks: Chunk[], opts: ChunkOptions = {}, overlapping = false): void {
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const maxLines = opts.maxChunkLines ?? 80;
  const maxChars = opts.maxChunkChars ?? 3000;
  const seen = new Array<number>(lines.length).fill(0);
  let prevEnd = 0;
  for (const c of chunks) {
    expect(c.startLine).toBeGreaterThanOrEqual(1);
    expect(c.endLine).toBeGreaterThanOrEqual(c.startLine);
    expect(c.endLine).toBeLessThanOrEqual(lines.length);
    if (!overlapping) expect(c.startLine, `chunk ${c.startLine}-${c.endLine} overlaps the previous one`).toBeGreaterThan(prevEnd);
    prevEnd = c.endLine;
    expect(c.text).toBe(lines.slice(c.startLine - 1, c.endLine).join('\n'));
    expect(lines[c.startLine - 1].trim()).not.toBe('');
    expect(lines[c.endLine - 1].trim()).not.toBe('');
    const n = c.endLine - c.startLine + 1;
    if (n > 1) {
      expect(n, `chunk ${c.startLine}-${c.endLine} has too many lines`).toBeLessThanOrEqual(maxLines);
      expect(c.text.length, `chunk ${c.startLine}-${c.endLine} has too many chars`).toBeLessThanOrEqual(maxChars);
    }
    expect(c.hash).toBe(crypto.createHash('sha1').update(c.header ?? '').update('\u0000').update(c.text).digest('hex'));
    for (let i = c.startLine - 1; i < c.endLine; i++) seen[i]++;
  }
  lines.forEach((l, i) => {
    if (l.trim() === '') return;
    if (overlapping) expect(seen[i], `line ${i + 1} is not covered`).toBeGreaterThanOrEqual(1);
    else expect(seen[i], `line ${i + 1} is covered ${seen[i]} times`).toBe(1);
  });
}

type Row = [kind: string | null, symbol: string | null, container: string | null, firstLine: string, lastLine: string];

/** A chunk as [kind, symbol, container, its first line, its last line] (lines trimmed). */
function rows(chunks: Chunk[]): Row[] {
  return chunks.map((c) => {
    const t = c.text.split('\n');
    return [c.kind, c.symbol, c.container, t[0].trim(), t[t.length - 1].trim()];
  });
}

/** 1-based line of the first line that contains `needle`. */
function lineOf(text: string, needle: string, from = 1): number {
  const lines = text.split('\n');
  for (let i = from - 1; i < lines.length; i++) if (lines[i].includes(needle)) return i + 1;
  throw new Error(`no line contains ${needle}`);
}

const samples: Record<string, { path: string; text: string; opts?: ChunkOptions }> = {
typescript: { path: 'src/config/load.ts', text: `import { readFile } from 'node:fs/promises';
import type { Config } from './types.js';

export const DEFAULT_PORT = 8080;

/** Errors raised while loading configuration. */
export class ConfigError extends Error {
  constructor(message: string, readonly path: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

export interface LoadOptions {
  cwd?: string;
  strict?: boolean;
  env?: Record<string, string>;
}

export type Loader = (path: string) => Promise<Config>;

export enum Mode {
  Development = 'development',
  Production = 'production',
}

/**
 * Reads and validates a configuration file.
 */
export async function parseConfig(path: string, options: LoadOptions = {}): Promise<Config> {
  const raw = await readFile(path, 'utf8');
  const data = JSON.parse(raw) as Partial<Config>;
  if (options.strict && !data.name) {
    throw new ConfigError('name is required', path);
  }
  return { port: DEFAULT_PORT, ...data } as Config;
}

export const mergeConfigs = (base: Config, extra: Partial<Config>): Config => {
  const merged = { ...base, ...extra };
  merged.port = extra.port ?? base.port;
  return merged;
};

namespace Internal {
  export function normalize(path: string): string {
    return path.trim().toLowerCase();
  }
}

export default class ConfigStore {
  private cache = new Map<string, Config>();

  get(path: string): Config | undefined {
    return this.cache.get(path);
  }
}
` },
tsx: { path: 'web/components/UserCard.tsx', text: `import React, { useState } from 'react';
import { Avatar } from './Avatar';

export interface UserCardProps {
  name: string;
  email: string;
  onSelect?: (email: string) => void;
}

export function UserCard({ name, email, onSelect }: UserCardProps) {
  const [open, setOpen] = useState(false);
  return (
    <div className="user-card" onClick={() => setOpen(!open)}>
      <Avatar name={name} />
      {open && <a href={'mailto:' + email}>{email}</a>}
      <button onClick={() => onSelect?.(email)}>Select</button>
    </div>
  );
}

export const UserList = ({ users }: { users: UserCardProps[] }) => {
  return (
    <ul>
      {users.map((u) => (
        <li key={u.email}>
          <UserCard {...u} />
        </li>
      ))}
    </ul>
  );
};

function useToggle(initial = false): [boolean, () => void] {
  const [value, setValue] = useState(initial);
  const toggle = () => setValue((v) => !v);
  return [value, toggle];
}
` },
javascript: { path: 'lib/server.js', text: `'use strict';

const http = require('node:http');
const { parseUrl } = require('./url');

const DEFAULT_TIMEOUT = 30000;

class Server {
  constructor(handler, options = {}) {
    this.handler = handler;
    this.timeout = options.timeout ?? DEFAULT_TIMEOUT;
    this.server = null;
  }

  listen(port) {
    this.server = http.createServer((req, res) => this.handle(req, res));
    this.server.listen(port);
    return this;
  }

  handle(req, res) {
    const url = parseUrl(req.url);
    res.setTimeout(this.timeout);
    return this.handler(url, req, res);
  }
}

function createServer(handler, options) {
  const server = new Server(handler, options);
  server.created = Date.now();
  server.name = 'cvu';
  return server;
}

exports.createServer = createServer;
exports.close = function close(server) {
  server.server.close();
  server.server = null;
  server.closed = true;
  return server;
};
` },
python: { path: 'app/services/billing.py', text: `"""Billing service: invoices and payments."""
import logging
from dataclasses import dataclass
from .models import Invoice, Payment

MAX_RETRIES = 3
logger = logging.getLogger(__name__)


@dataclass
class Charge:
    """A single charge on an invoice."""

    amount: int
    currency: str = "EUR"

    def total(self, tax_rate: float) -> int:
        return round(self.amount * (1 + tax_rate))


class BillingService:
    def __init__(self, gateway, retries: int = MAX_RETRIES):
        self.gateway = gateway
        self.retries = retries

    def charge(self, invoice: Invoice) -> Payment:
        for attempt in range(self.retries):
            try:
                return self.gateway.pay(invoice.total())
            except TimeoutError:
                logger.warning("retry %s", attempt)
        raise RuntimeError("payment failed")

    @staticmethod
    def _format(amount: int) -> str:
        return f"{amount / 100:.2f}"


def summarize(invoices: list[Invoice]) -> dict:
    total = sum(i.total() for i in invoices)
    paid = [i for i in invoices if i.paid]
    return {"total": total, "paid": len(paid)}


if __name__ == "__main__":
    logging.basicConfig(level=logging.INFO)
    print(summarize([]))
` },
go: { path: 'internal/store/store.go', text: `package store

import (
	"context"
	"errors"
	"sync"
)

// ErrNotFound is returned when a key is missing.
var ErrNotFound = errors.New("not found")

const (
	defaultShards = 16
	maxKeyLength  = 256
)

// Store is a sharded in-memory key/value store.
type Store struct {
	mu     sync.RWMutex
	items  map[string][]byte
	shards int
}

// Getter reads values.
type Getter interface {
	Get(ctx context.Context, key string) ([]byte, error)
}

// New creates an empty store.
func New(shards int) *Store {
	if shards <= 0 {
		shards = defaultShards
	}
	return &Store{items: map[string][]byte{}, shards: shards}
}

// Get returns the value stored under key.
func (s *Store) Get(ctx context.Context, key string) ([]byte, error) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	v, ok := s.items[key]
	if !ok {
		return nil, ErrNotFound
	}
	return v, nil
}

// Put stores a value.
func (s *Store) Put(key string, value []byte) error {
	if len(key) > maxKeyLength {
		return errors.New("key too long")
	}
	s.mu.Lock()
	s.items[key] = value
	s.mu.Unlock()
	return nil
}
` },
rust: { path: 'src/geometry/shapes.rs', text: `use std::fmt;
use crate::units::{Length, Unit};

/// A point in the plane.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Point {
    pub x: f64,
    pub y: f64,
}

pub trait Shape {
    fn area(&self) -> f64;
    fn name(&self) -> &str {
        "shape"
    }
}

pub enum Kind {
    Circle { radius: f64 },
    Square(f64),
}

impl Point {
    pub fn new(x: f64, y: f64) -> Self {
        Point { x, y }
    }

    pub fn distance(&self, other: &Point) -> f64 {
        let dx = self.x - other.x;
        let dy = self.y - other.y;
        (dx * dx + dy * dy).sqrt()
    }
}

impl fmt::Display for Point {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "({}, {})", self.x, self.y)
    }
}

pub fn total_length(points: &[Point]) -> Length {
    let mut total = 0.0;
    for pair in points.windows(2) {
        total += pair[0].distance(&pair[1]);
    }
    Length::new(total, Unit::Meter)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn distance_is_symmetric() {
        let a = Point::new(0.0, 0.0);
        let b = Point::new(3.0, 4.0);
        assert_eq!(a.distance(&b), b.distance(&a));
    }
}
` },
java: { path: 'src/main/java/com/acme/orders/OrderService.java', opts: { maxChunkLines: 30 }, text: `package com.acme.orders;

import java.util.ArrayList;
import java.util.List;
import com.acme.orders.model.Order;

/**
 * Places and lists orders.
 */
public class OrderService {
    private final OrderRepository repository;
    private final List<String> audit = new ArrayList<>();

    public OrderService(OrderRepository repository) {
        this.repository = repository;
    }

    public Order place(String customer, int quantity) {
        if (quantity <= 0) {
            throw new IllegalArgumentException("quantity must be positive");
        }
        Order order = new Order(customer, quantity);
        repository.save(order);
        audit.add("placed " + order.getId());
        return order;
    }

    public List<Order> listFor(String customer) {
        List<Order> result = new ArrayList<>();
        for (Order o : repository.findAll()) {
            if (o.getCustomer().equals(customer)) {
                result.add(o);
            }
        }
        return result;
    }

    enum Status {
        OPEN,
        SHIPPED,
        CANCELLED
    }
}

interface OrderRepository {
    void save(Order order);
    List<Order> findAll();
}
` },
csharp: { path: 'src/Acme.Inventory/Services/StockService.cs', opts: { maxChunkLines: 30 }, text: `using System;
using System.Collections.Generic;
using Acme.Inventory.Models;

namespace Acme.Inventory.Services
{
    /// <summary>Tracks stock levels.</summary>
    public class StockService : IStockService
    {
        private readonly Dictionary<string, int> _levels = new();

        public int Threshold { get; set; } = 5;

        public StockService(IEnumerable<Item> items)
        {
            foreach (var item in items)
            {
                _levels[item.Sku] = item.Quantity;
            }
        }

        public bool Reserve(string sku, int quantity)
        {
            if (!_levels.TryGetValue(sku, out var level) || level < quantity)
            {
                return false;
            }
            _levels[sku] = level - quantity;
            return true;
        }

        public IEnumerable<string> LowStock()
        {
            foreach (var pair in _levels)
            {
                if (pair.Value < Threshold) yield return pair.Key;
            }
        }
    }

    public interface IStockService
    {
        bool Reserve(string sku, int quantity);
    }
}
` },
cpp: { path: 'src/engine/renderer.cpp', opts: { maxChunkLines: 30 }, text: `#include "engine/renderer.h"
#include <vector>
#include <memory>

namespace engine {

// Draws meshes to a target.
class Renderer {
public:
    explicit Renderer(int width, int height);
    ~Renderer();

    void draw(const Mesh& mesh);
    int width() const { return width_; }

private:
    int width_;
    int height_;
    std::vector<Mesh> queue_;
};

Renderer::Renderer(int width, int height)
    : width_(width), height_(height) {
    queue_.reserve(64);
}

Renderer::~Renderer() {
    queue_.clear();
}

void Renderer::draw(const Mesh& mesh) {
    if (mesh.empty()) {
        return;
    }
    queue_.push_back(mesh);
    flush();
}

template <typename T>
T clamp(T value, T low, T high) {
    if (value < low) return low;
    if (value > high) return high;
    return value;
}

}  // namespace engine

int main(int argc, char** argv) {
    engine::Renderer r(800, 600);
    r.draw(engine::Mesh{});
    return 0;
}
` },
ruby: { path: 'lib/billing/invoice.rb', opts: { maxChunkLines: 20 }, text: `require 'json'
require_relative 'line_item'

module Billing
  # An invoice with line items.
  class Invoice
    attr_reader :items, :customer

    TAX_RATE = 0.2

    def initialize(customer)
      @customer = customer
      @items = []
      @issued = false
    end

    def add(item)
      raise ArgumentError, 'issued' if @issued
      @items << item
      self
    end

    def total
      subtotal = @items.sum(&:amount)
      subtotal + (subtotal * TAX_RATE).round
    end

    def self.from_json(text)
      data = JSON.parse(text)
      invoice = new(data['customer'])
      data['items'].each { |i| invoice.add(LineItem.new(i)) }
      invoice
    end
  end

  def self.currency
    'EUR'
  end
end
` },
php: { path: 'app/Http/Controllers/UserController.php', opts: { maxChunkLines: 20 }, text: String.raw`<?php

namespace App\Http\Controllers;

use App\Models\User;
use Illuminate\Http\Request;

/**
 * Manages users.
 */
class UserController extends Controller
{
    private const PER_PAGE = 20;

    public function __construct(private UserRepository $users)
    {
        $this->middleware('auth');
    }

    public function index(Request $request)
    {
        $page = (int) $request->query('page', 1);
        $users = $this->users->paginate(self::PER_PAGE, $page);
        return view('users.index', ['users' => $users]);
    }

    public function show(int $id): User
    {
        $user = $this->users->find($id);
        abort_if($user === null, 404);
        return $user;
    }
}

function format_user(User $user): string
{
    $name = trim($user->name);
    $email = strtolower($user->email);
    return sprintf('%s <%s>', $name, $email);
}
` },
bash: { path: 'scripts/deploy.sh', text: `#!/usr/bin/env bash
set -euo pipefail

source "$(dirname "$0")/lib/common.sh"

TARGET=\${1:-staging}
RETRIES=3

# Builds the release archive.
build() {
  echo "building for $TARGET"
  npm ci
  npm run build
  tar -czf release.tgz dist/
}

# Uploads with retries.
function upload {
  local attempt=1
  while [ "$attempt" -le "$RETRIES" ]; do
    if scp release.tgz "deploy@$TARGET:/srv/app/"; then
      return 0
    fi
    attempt=$((attempt + 1))
  done
  return 1
}

build
upload
echo "done"
` },
css: { path: 'web/styles/app.css', text: `@import url("reset.css");

:root {
  --brand: #3366ff;
  --gap: 8px;
}

/* Buttons */
.btn,
.btn-primary {
  padding: var(--gap);
  border-radius: 4px;
  color: white;
  background: var(--brand);
}

.btn:hover {
  opacity: 0.9;
}

@media (max-width: 600px) {
  .btn {
    width: 100%;
  }
}

#header > nav a {
  text-decoration: none;
  color: #333;
}
` },
};

const expected: Record<string, Row[]> = {
  typescript: [
    ['statements', null, null, "import { readFile } from 'node:fs/promises';", 'export const DEFAULT_PORT = 8080;'],
    ['class', 'ConfigError', null, '/** Errors raised while loading configuration. */', '}'],
    ['interface', 'LoadOptions', null, 'export interface LoadOptions {', '}'],
    ['type', 'Loader', null, 'export type Loader = (path: string) => Promise<Config>;', 'export type Loader = (path: string) => Promise<Config>;'],
    ['enum', 'Mode', null, 'export enum Mode {', '}'],
    ['function', 'parseConfig', null, '/**', '}'],
    ['function', 'mergeConfigs', null, 'export const mergeConfigs = (base: Config, extra: Partial<Config>): Config => {', '};'],
    ['namespace', 'Internal', null, 'namespace Internal {', '}'],
    ['class', 'ConfigStore', null, 'export default class ConfigStore {', '}'],
  ],
  tsx: [
    ['statements', null, null, "import React, { useState } from 'react';", "import { Avatar } from './Avatar';"],
    ['interface', 'UserCardProps', null, 'export interface UserCardProps {', '}'],
    ['function', 'UserCard', null, 'export function UserCard({ name, email, onSelect }: UserCardProps) {', '}'],
    ['function', 'UserList', null, 'export const UserList = ({ users }: { users: UserCardProps[] }) => {', '};'],
    ['function', 'useToggle', null, 'function useToggle(initial = false): [boolean, () => void] {', '}'],
  ],
  javascript: [
    ['statements', null, null, "'use strict';", 'const DEFAULT_TIMEOUT = 30000;'],
    ['class', 'Server', null, 'class Server {', '}'],
    ['function', 'createServer', null, 'function createServer(handler, options) {', '}'],
    ['statements', null, null, 'exports.createServer = createServer;', 'exports.createServer = createServer;'],
    ['function', 'close', null, 'exports.close = function close(server) {', '};'],
  ],
  python: [
    ['statements', null, null, '"""Billing service: invoices and payments."""', 'logger = logging.getLogger(__name__)'],
    ['class', 'Charge', null, '@dataclass', 'return round(self.amount * (1 + tax_rate))'],
    ['class', 'BillingService', null, 'class BillingService:', 'return f"{amount / 100:.2f}"'],
    ['function', 'summarize', null, 'def summarize(invoices: list[Invoice]) -> dict:', 'return {"total": total, "paid": len(paid)}'],
    ['statements', null, null, 'if __name__ == "__main__":', 'print(summarize([]))'],
  ],
  go: [
    ['statements', null, null, 'package store', 'var ErrNotFound = errors.New("not found")'],
    ['constant', 'defaultShards', null, 'const (', ')'],
    ['struct', 'Store', null, '// Store is a sharded in-memory key/value store.', '}'],
    ['interface', 'Getter', null, '// Getter reads values.', '}'],
    ['function', 'New', null, '// New creates an empty store.', '}'],
    ['method', 'Get', 'Store', '// Get returns the value stored under key.', '}'],
    ['method', 'Put', 'Store', '// Put stores a value.', '}'],
  ],
  rust: [
    ['statements', null, null, 'use std::fmt;', 'use crate::units::{Length, Unit};'],
    ['struct', 'Point', null, '/// A point in the plane.', '}'],
    ['trait', 'Shape', null, 'pub trait Shape {', '}'],
    ['enum', 'Kind', null, 'pub enum Kind {', '}'],
    ['impl', 'Point', null, 'impl Point {', '}'],
    ['impl', 'Point', null, 'impl fmt::Display for Point {', '}'],
    ['function', 'total_length', null, 'pub fn total_length(points: &[Point]) -> Length {', '}'],
    ['module', 'tests', null, '#[cfg(test)]', '}'],
  ],
  java: [
    ['statements', null, null, 'package com.acme.orders;', 'import com.acme.orders.model.Order;'],
    ['class', 'OrderService', null, '/**', 'public class OrderService {'],
    ['field', 'repository', 'OrderService', 'private final OrderRepository repository;', 'private final OrderRepository repository;'],
    ['field', 'audit', 'OrderService', 'private final List<String> audit = new ArrayList<>();', 'private final List<String> audit = new ArrayList<>();'],
    ['constructor', 'OrderService', 'OrderService', 'public OrderService(OrderRepository repository) {', '}'],
    ['method', 'place', 'OrderService', 'public Order place(String customer, int quantity) {', '}'],
    ['method', 'listFor', 'OrderService', 'public List<Order> listFor(String customer) {', '}'],
    ['enum', 'Status', 'OrderService', 'enum Status {', '}'],
    ['interface', 'OrderRepository', null, 'interface OrderRepository {', '}'],
  ],
  csharp: [
    ['statements', null, null, 'using System;', 'using Acme.Inventory.Models;'],
    ['namespace', 'Acme.Inventory.Services', null, 'namespace Acme.Inventory.Services', '{'],
    ['class', 'StockService', 'Acme.Inventory.Services', '/// <summary>Tracks stock levels.</summary>', '{'],
    ['field', '_levels', 'StockService', 'private readonly Dictionary<string, int> _levels = new();', 'private readonly Dictionary<string, int> _levels = new();'],
    ['property', 'Threshold', 'StockService', 'public int Threshold { get; set; } = 5;', 'public int Threshold { get; set; } = 5;'],
    ['constructor', 'StockService', 'StockService', 'public StockService(IEnumerable<Item> items)', '}'],
    ['method', 'Reserve', 'StockService', 'public bool Reserve(string sku, int quantity)', '}'],
    ['method', 'LowStock', 'StockService', 'public IEnumerable<string> LowStock()', '}'],
    ['interface', 'IStockService', 'Acme.Inventory.Services', 'public interface IStockService', '}'],
  ],
  cpp: [
    ['statements', null, null, '#include "engine/renderer.h"', '#include <memory>'],
    ['namespace', 'engine', null, 'namespace engine {', 'namespace engine {'],
    ['class', 'Renderer', 'engine', '// Draws meshes to a target.', '};'],
    ['constructor', 'Renderer', 'Renderer', 'Renderer::Renderer(int width, int height)', '}'],
    ['constructor', '~Renderer', 'Renderer', 'Renderer::~Renderer() {', '}'],
    ['method', 'draw', 'Renderer', 'void Renderer::draw(const Mesh& mesh) {', '}'],
    ['function', 'clamp', 'engine', 'template <typename T>', '}  // namespace engine'],
    ['function', 'main', null, 'int main(int argc, char** argv) {', '}'],
  ],
  ruby: [
    ['statements', null, null, "require 'json'", "require_relative 'line_item'"],
    ['module', 'Billing', null, 'module Billing', 'module Billing'],
    ['class', 'Invoice', 'Billing', '# An invoice with line items.', 'class Invoice'],
    ['statements', null, 'Invoice', 'attr_reader :items, :customer', 'attr_reader :items, :customer'],
    ['constant', 'TAX_RATE', 'Invoice', 'TAX_RATE = 0.2', 'TAX_RATE = 0.2'],
    ['method', 'initialize', 'Invoice', 'def initialize(customer)', 'end'],
    ['method', 'add', 'Invoice', 'def add(item)', 'end'],
    ['method', 'total', 'Invoice', 'def total', 'end'],
    ['method', 'from_json', 'Invoice', 'def self.from_json(text)', 'end'],
    ['method', 'currency', 'Billing', 'def self.currency', 'end'],
  ],
  php: [
    ['statements', null, null, '<?php', 'use Illuminate\\Http\\Request;'],
    ['class', 'UserController', null, '/**', '{'],
    ['constant', 'PER_PAGE', 'UserController', 'private const PER_PAGE = 20;', 'private const PER_PAGE = 20;'],
    ['constructor', '__construct', 'UserController', 'public function __construct(private UserRepository $users)', '}'],
    ['method', 'index', 'UserController', 'public function index(Request $request)', '}'],
    ['method', 'show', 'UserController', 'public function show(int $id): User', '}'],
    ['function', 'format_user', null, 'function format_user(User $user): string', '}'],
  ],
  bash: [
    ['statements', null, null, '#!/usr/bin/env bash', 'RETRIES=3'],
    ['function', 'build', null, '# Builds the release archive.', '}'],
    ['function', 'upload', null, '# Uploads with retries.', '}'],
    ['statements', null, null, 'build', 'echo "done"'],
  ],
  css: [
    ['statements', null, null, '@import url("reset.css");', '@import url("reset.css");'],
    ['rule', ':root', null, ':root {', '}'],
    ['rule', '.btn, .btn-primary', null, '/* Buttons */', '}'],
    ['rule', '.btn:hover', null, '.btn:hover {', '}'],
    ['at-rule', '@media (max-width: 600px)', null, '@media (max-width: 600px) {', '}'],
    ['rule', '#header > nav a', null, '#header > nav a {', '}'],
  ],
};

describe('languageForPath', () => {
  it('maps extensions and well-known basenames', () => {
    const cases: Record<string, string> = {
      'src/a.ts': 'typescript', 'src/a.d.ts': 'typescript', 'b.mts': 'typescript', 'c.tsx': 'tsx', 'd.jsx': 'javascript', 'e.cjs': 'javascript',
      'x/y.py': 'python', 'main.go': 'go', 'lib.rs': 'rust', 'A.java': 'java', 'P.cs': 'csharp', 'a.cc': 'cpp', 'a.hpp': 'cpp',
      'a.c': 'c', 'a.h': 'c', 'Gemfile': 'ruby', 'x.rake': 'ruby', 'index.php': 'php', 'run.sh': 'bash', '.bashrc': 'bash',
      'a.css': 'css', 'x.ps1': 'powershell', 'setup.cfg': 'ini', 'README.md': 'markdown', 'package.json': 'json', 'ci.yml': 'yaml',
      'Cargo.toml': 'toml', 'index.html': 'html', 'pom.xml': 'xml', 'schema.sql': 'sql', 'Dockerfile': 'dockerfile',
      'build/Makefile': 'makefile', 'LICENSE': 'text', 'notes.txt': 'text', 'weird.unknownext': 'text', 'C:\\src\\App.TS': 'typescript',
    };
    for (const [p, lang] of Object.entries(cases)) expect(languageForPath(p), p).toBe(lang);
  });

  it('knows which languages have a grammar', () => {
    for (const l of ['typescript', 'tsx', 'javascript', 'python', 'go', 'rust', 'java', 'csharp', 'cpp', 'c', 'ruby', 'php', 'bash', 'css', 'powershell', 'ini'] as const) {
      expect(hasGrammar(l), l).toBe(true);
    }
    for (const l of ['markdown', 'json', 'yaml', 'text', 'sql'] as const) expect(hasGrammar(l), l).toBe(false);
  });
});

describe('chunks per language', () => {
  it.each(Object.keys(expected))('%s: chunks at declarations, members carry their container', async (lang) => {
    const s = samples[lang];
    const opts: ChunkOptions = { minChunkLines: 1, ...s.opts };
    const a = await analyzeFile(s.path, s.text, undefined, opts);
    expect(a.language).toBe(lang);
    checkInvariants(s.text, a.chunks, opts);
    expect(rows(a.chunks)).toEqual(expected[lang]);
    for (const c of a.chunks) {
      expect(c.path).toBe(s.path);
      expect(c.language).toBe(lang);
    }
  });

  it('carries the class signature into member chunks and none into whole declarations', async () => {
    const java = await analyzeFile(samples.java.path, samples.java.text, undefined, { minChunkLines: 1, maxChunkLines: 30 });
    const place = java.chunks.find((c) => c.symbol === 'place')!;
    expect(place.header).toBe('public class OrderService {');
    expect(place.startLine).toBe(lineOf(samples.java.text, 'public Order place('));
    expect(java.chunks.find((c) => c.symbol === 'OrderRepository')!.header).toBeNull();
    expect(java.chunks.find((c) => c.kind === 'class')!.header).toBeNull();

    const cs = await analyzeFile(samples.csharp.path, samples.csharp.text, undefined, { minChunkLines: 1, maxChunkLines: 30 });
    // Allman braces: the header is the signature, without the lone `{`
    expect(cs.chunks.find((c) => c.symbol === 'Reserve')!.header).toBe('namespace Acme.Inventory.Services\n    public class StockService : IStockService');
    expect(cs.chunks.find((c) => c.symbol === 'IStockService')!.header).toBe('namespace Acme.Inventory.Services');

    const rb = await analyzeFile(samples.ruby.path, samples.ruby.text, undefined, { minChunkLines: 1, maxChunkLines: 20 });
    expect(rb.chunks.find((c) => c.symbol === 'total')!.header).toBe('module Billing\n  class Invoice');
  });

  it('with default options, small files stay whole and tiny declarations merge', async () => {
    for (const [lang, s] of Object.entries(samples)) {
      const a = await analyzeFile(s.path, s.text);
      checkInvariants(s.text, a.chunks);
      if (lang === 'go') {
        // New (7 lines) stays alone; the tiny const block merges into the statements before it
        expect(rows(a.chunks)[0]).toEqual(['statements', 'defaultShards', null, 'package store', ')']);
      }
    }
  });
});

function bigClass(methods: number): string {
  const parts = ["import { Base } from './base.js';", '', '/** A class too big for one chunk. */', 'export class Registry extends Base implements Disposable {', '  private readonly items = new Map<string, number>();', ''];
  for (let i = 0; i < methods; i++) {
    parts.push(`  /** Method ${i}. */`, `  method${i}(key: string): number {`, `    const value = this.items.get(key) ?? ${i};`, `    this.items.set(key, value + 1);`, '    return value;', '  }', '');
  }
  parts.push('  dispose(): void {', '    this.items.clear();', '  }', '}', '', 'export const registry = new Registry();', '');
  return parts.join('\n');
}

describe('splitting declarations over the bounds', () => {
  it('splits a large class into members that carry the class signature', async () => {
    const text = bigClass(20); // ~150 lines
    const a = await analyzeFile('src/registry.ts', text);
    checkInvariants(text, a.chunks);
    const head = a.chunks.find((c) => c.kind === 'class')!;
    expect(head.symbol).toBe('Registry');
    expect(head.header).toBeNull();
    expect(head.startLine).toBe(lineOf(text, '/** A class too big'));
    const members = a.chunks.filter((c) => c.container === 'Registry');
    expect(members.length).toBeGreaterThan(1);
    for (const m of members) expect(m.header).toBe('export class Registry extends Base implements Disposable {');
    // every method starts a chunk or sits inside one that starts at a method's doc comment: never cut in the middle of one
    for (const c of a.chunks) {
      const first = c.text.split('\n')[0];
      expect(first).toMatch(/^(import|\/\*\*|export|\s+\/\*\*|\s+method\d+|\s+dispose|\s+private)/);
    }
    // the closing brace of the class goes with its last member
    const last = members[members.length - 1];
    expect(last.endLine).toBe(lineOf(text, '}', lineOf(text, 'dispose(): void')) + 1);
    expect(last.text.endsWith('    this.items.clear();\n  }\n}')).toBe(true);
    expect(a.symbols.filter((s) => s.container === 'Registry')).toHaveLength(22);
  });

  it('keeps a doc comment with the signature and first statements of a declaration split for size', async () => {
    // 8 comment lines + a 74-line function: over 80 lines, while the function alone fits
    const doc = ['// Sums the weights of every item.', '//', ...Array.from({ length: 6 }, (_, i) => `// Detail ${i} of how the weights add up.`)];
    const body = Array.from({ length: 70 }, (_, i) => `  total += weights[${i}] * ${i};`);
    const text = [...doc, 'export function sumWeights(weights: number[]): number {', '  let total = 0;', ...body, '  return total;', '}', ''].join('\n');
    const a = await analyzeFile('src/sum.ts', text);
    checkInvariants(text, a.chunks);
    expect(a.chunks.length).toBeGreaterThan(1);
    expect(a.chunks[0].startLine).toBe(1);
    // the comment, the signature and the body's first statements: one chunk
    expect(a.chunks[0].text).toContain('export function sumWeights(weights: number[]): number {\n  let total = 0;\n  total += weights[0] * 0;');
    for (const c of a.chunks) expect(c.symbol).toBe('sumWeights');
    expect(a.docs.get(lineOf(text, 'export function sumWeights'))).toBe(doc.join('\n'));
  });

  it('gives each declaration its doc: the comments right above it, or its docstring', async () => {
    const go = await analyzeFile('a.go', ['package a', '', '// Open opens it.', '// Twice.', 'func Open() {}', '', '// Not about Close: a blank line follows.', '', 'func Close() {}', ''].join('\n'));
    expect(go.docs.get(5)).toBe('// Open opens it.\n// Twice.');
    expect(go.docs.has(9)).toBe(false);
    const rust = await analyzeFile('a.rs', ['/// Builds it.', '#[inline]', 'pub fn build() {}', ''].join('\n'));
    expect(rust.docs.get(3)).toBe('/// Builds it.');
    const java = await analyzeFile('A.java', ['/** An A. */', 'class A {', '  /** Runs it. */', '  @Override', '  public void run() {}', '}', ''].join('\n'));
    expect(java.docs.get(2)).toBe('/** An A. */');
    expect(java.docs.get(4)).toBe('/** Runs it. */'); // the method starts at its annotation, as its symbol does
    const py = await analyzeFile('a.py', ['class A:', '    """An A."""', '', '    def f(self):', '        """Does f."""', '        return 1', ''].join('\n'));
    expect(py.docs.get(1)).toBe('"""An A."""');
    expect(py.docs.get(4)).toBe('"""Does f."""');
    const ts = await analyzeFile('a.ts', ['/** Parses it. */', 'export function parse(): void {}', '', 'export function bare(): void {}', ''].join('\n'));
    expect(ts.docs.get(2)).toBe('/** Parses it. */');
    expect(ts.docs.has(4)).toBe(false);
  });

  it('splits a huge function at statement boundaries, each later part headed by the signature', async () => {
    const body: string[] = [];
    for (let i = 0; i < 120; i++) body.push(`  if (input.length > ${i}) {`, `    total += input[${i}] * ${i};`, '  }');
    const text = ['// Sums things.', 'export function accumulate(input: number[], seed = 0): number {', '  let total = seed;', ...body, '  return total;', '}', ''].join('\n');
    const a = await analyzeFile('src/acc.ts', text);
    checkInvariants(text, a.chunks);
    expect(a.chunks.length).toBeGreaterThanOrEqual(5);
    a.chunks.forEach((c, i) => {
      expect(c.symbol).toBe('accumulate');
      expect(c.kind).toBe('function');
      expect(c.header).toBe(i === 0 ? null : 'export function accumulate(input: number[], seed = 0): number {');
      if (i > 0) expect(c.text.split('\n')[0]).toMatch(/^ {2}(if|return)/); // a part starts at a statement
    });
    expect(a.chunks[0].startLine).toBe(1);
    expect(a.chunks[a.chunks.length - 1].text.endsWith('  return total;\n}')).toBe(true);
  });

  it('splits a too-big method inside a too-big class, with both signatures in the header', async () => {
    const big = ['  run(steps: number): number {', '    let x = 0;'];
    for (let i = 0; i < 100; i++) big.push(`    x += step(${i}, steps);`);
    big.push('    return x;', '  }');
    const text = ['class Machine {', '  reset(): void {', '    this.x = 0;', '  }', '', ...big, '}', ''].join('\n');
    const a = await analyzeFile('m.ts', text, undefined, { maxChunkLines: 40 });
    checkInvariants(text, a.chunks, { maxChunkLines: 40 });
    const parts = a.chunks.filter((c) => c.symbol === 'run');
    expect(parts.length).toBeGreaterThanOrEqual(3);
    expect(parts[0].header).toBe('class Machine {');
    for (const p of parts.slice(1)) expect(p.header).toBe('class Machine {\n  run(steps: number): number {');
    expect(parts.every((p) => p.container === 'Machine')).toBe(true);
  });

  it('respects maxChunkChars and keeps a single overlong line whole', async () => {
    const long = 'export const blob = "' + 'x'.repeat(10_000) + '";';
    const text = ['function a() {', '  return 1;', '}', '', long, '', 'function b() {', '  return 2;', '}', ''].join('\n');
    const a = await analyzeFile('blob.ts', text, undefined, { maxChunkChars: 500 });
    checkInvariants(text, a.chunks, { maxChunkChars: 500 });
    const blob = a.chunks.find((c) => c.text.includes('xxxx'))!;
    expect(blob.text).toBe(long);
    expect(blob.startLine).toBe(blob.endLine);

    // a minified file: one line per chunk, text exact
    const minified = Array.from({ length: 3 }, (_, i) => `var v${i}=function(){return ${'1+'.repeat(2000)}1};`).join('\n');
    const m = await analyzeFile('app.min.js', minified, undefined, { maxChunkChars: 1000 });
    expect(m.chunks.map((c) => c.text)).toEqual(minified.split('\n'));
  });
});

describe('merging tiny neighbours', () => {
  it('merges runs of small declarations within the bounds and names the chunk after its largest piece', async () => {
    const text = [
      "import { a } from './a.js';",
      '',
      'export const ONE = 1;',
      'export function double(x: number) { return x * 2; }',
      'export function triple(x: number) {',
      '  return x * 3;',
      '}',
      'export type Id = string;',
      '',
      'export function big(values: number[]): number {',
      ...Array.from({ length: 20 }, (_, i) => `  values.push(${i});`),
      '  return values.length;',
      '}',
      '',
    ].join('\n');
    const a = await analyzeFile('small.ts', text);
    checkInvariants(text, a.chunks);
    expect(a.chunks).toHaveLength(2);
    expect(a.chunks[0]).toMatchObject({ startLine: 1, endLine: 8, symbol: 'triple', kind: 'statements' });
    expect(a.chunks[1]).toMatchObject({ startLine: 10, symbol: 'big', kind: 'function' });

    // minChunkLines 1 turns merging off
    const b = await analyzeFile('small.ts', text, undefined, { minChunkLines: 1 });
    expect(rows(b.chunks).map((r) => r[1])).toEqual([null, 'double', 'triple', 'Id', 'big']);
  });

  it('keeps a shared kind when every merged piece has it', async () => {
    const text = Array.from({ length: 10 }, (_, i) => `def f${i}(x):\n    return x + ${i}\n`).join('\n');
    const a = await analyzeFile('fs.py', text);
    checkInvariants(text, a.chunks);
    expect(a.chunks).toHaveLength(1);
    expect(a.chunks[0]).toMatchObject({ kind: 'function', symbol: 'f0', startLine: 1, endLine: 29 });
    expect(a.symbols.map((s) => s.name)).toEqual(Array.from({ length: 10 }, (_, i) => `f${i}`));
  });
});

describe('files without a grammar', () => {
  it('cuts Markdown at headings, ignoring # lines inside code fences', async () => {
    const text = [
      '# Cvu', '', 'A local code assistant.', '', '## Install', '', '```bash', '# not a heading', 'npm install cvu', '```', '',
      '## Usage', '', ...Array.from({ length: 100 }, (_, i) => `Line ${i} of usage with \`runQuery\` and parse_config.`), '',
    ].join('\n');
    const a = await analyzeFile('README.md', text, undefined, { minChunkLines: 1 });
    expect(a.language).toBe('markdown');
    checkInvariants(text, a.chunks, {}, true);
    expect(a.chunks[0]).toMatchObject({ kind: 'section', symbol: 'Cvu', startLine: 1, endLine: 3 });
    expect(a.chunks[1]).toMatchObject({ kind: 'section', symbol: 'Install', startLine: 5, endLine: 10 });
    const usage = a.chunks.filter((c) => c.symbol === 'Usage');
    expect(usage.length).toBeGreaterThan(2);
    expect(usage[0].header).toBeNull();
    expect(usage[1].header).toBe('## Usage');
    expect(usage[1].startLine).toBeLessThanOrEqual(usage[0].endLine); // windows overlap
    expect(a.chunks[0].refs).toEqual([]); // prose words are not identifiers
    expect(usage[0].refs).toEqual(expect.arrayContaining(['runQuery', 'parse_config']));
    expect(a.symbols).toEqual([]);
  });

  it('windows JSON with overlap', async () => {
    const text = JSON.stringify(Object.fromEntries(Array.from({ length: 98 }, (_, i) => [`key${i}`, i])), null, 2) + '\n';
    const a = await analyzeFile('data/config.json', text);
    expect(a.language).toBe('json');
    checkInvariants(text, a.chunks, {}, true);
    expect(a.chunks.map((c) => [c.startLine, c.endLine])).toEqual([[1, 40], [36, 75], [71, 100]]);
    expect(a.chunks.every((c) => c.kind === 'window' && c.symbol === null)).toBe(true);
    expect(a.chunks[0].refs.slice(0, 3)).toEqual(['key0', 'key1', 'key2']);
  });

  it('honours windowLines and windowOverlap', async () => {
    const text = Array.from({ length: 25 }, (_, i) => `line ${i}`).join('\n');
    const a = await analyzeFile('notes.txt', text, undefined, { windowLines: 10, windowOverlap: 2 });
    expect(a.chunks.map((c) => [c.startLine, c.endLine])).toEqual([[1, 10], [9, 18], [17, 25]]);
  });

  it('falls back to windows, with a warning, when a grammar fails to load', async () => {
    const warnings: string[] = [];
    const logger: Logger = { ...createLogger('silent'), warn: (m) => warnings.push(m) };
    setLanguageLogger(logger);
    setGrammarPath('go', '/nonexistent/tree-sitter-go.wasm');
    try {
      const s = samples.go;
      const a = await analyzeFile(s.path, s.text);
      expect(a.language).toBe('go');
      expect(a.chunks.every((c) => c.kind === 'window')).toBe(true);
      checkInvariants(s.text, a.chunks, {}, true);
      expect(a.symbols).toEqual([]);
      expect(warnings.some((w) => /grammar for go/.test(w))).toBe(true);
    } finally {
      setGrammarPath('go', null);
      setLanguageLogger(createLogger());
    }
    const again = await analyzeFile(samples.go.path, samples.go.text);
    expect(again.chunks.some((c) => c.kind === 'method')).toBe(true);

    // the caller's logger, when given, hears about it
    const own: string[] = [];
    setGrammarPath('ruby', '/nonexistent/tree-sitter-ruby.wasm');
    try {
      const r = await analyzeFile(samples.ruby.path, samples.ruby.text, undefined, { logger: { ...createLogger('silent'), warn: (m) => own.push(m) } });
      expect(r.chunks.every((c) => c.kind === 'window')).toBe(true);
      expect(own.join()).toMatch(/grammar for ruby failed to load/);
    } finally {
      setGrammarPath('ruby', null);
    }
  });

  it('falls back to windows when a parse runs past its time limit', async () => {
    const text = Array.from({ length: 20_000 }, (_, i) => `function f${i}(a) { return a + ${i}; }`).join('\n');
    const warnings: string[] = [];
    const a = await analyzeFile('big.js', text, undefined, { parseTimeoutMs: 1, logger: { ...createLogger('silent'), warn: (m) => warnings.push(m) } });
    expect(a.chunks[0].kind).toBe('window');
    expect(warnings.join()).toMatch(/timed out/);
    const b = await analyzeFile('ok.js', 'function ok() {}\n');
    expect(b.symbols.map((s) => s.name)).toEqual(['ok']);
  });

  it('detects the language of an extensionless script from its shebang', async () => {
    const a = await analyzeFile('bin/release', '#!/usr/bin/env python3\n\ndef main():\n    return 0\n');
    expect(a.language).toBe('python');
    expect(a.symbols.map((s) => s.name)).toEqual(['main']);
  });
});

/** A small deterministic PRNG so that failures reproduce. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe('robustness', () => {
  it('returns nothing for empty and blank files', async () => {
    for (const [p, t] of [['a.ts', ''], ['b.py', '\n\n   \n'], ['c.md', ''], ['d.json', '  \n\t\n']]) {
      const a = await analyzeFile(p, t);
      expect(a.chunks, p).toEqual([]);
      expect(a.symbols).toEqual([]);
    }
  });

  it('gives CRLF input the same chunks as LF input', async () => {
    for (const lang of ['typescript', 'python', 'go']) {
      const s = samples[lang];
      const lf = await analyzeFile(s.path, s.text);
      const crlf = await analyzeFile(s.path, s.text.replace(/\n/g, '\r\n'));
      expect(crlf.chunks).toEqual(lf.chunks);
      expect(crlf.symbols).toEqual(lf.symbols);
      expect(crlf.chunks.some((c) => c.text.includes('\r'))).toBe(false);
    }
  });

  it('keeps line ranges and signatures right around non-ASCII text', async () => {
    const text = [
      '// Grüße, 你好, emoji 😀🎉 and combining e\u0301',
      "const greeting = '😀😀😀 — ünïcödé';",
      '',
      '/** Grüßt 名前. */',
      'export function grüße(名前: string): string {',
      "  const prefix = '👋🏽';",
      '  return `${prefix} ${名前}`;',
      '}',
      '',
      'export class Straße {',
      "  länge(): number { return '🚗'.length; }",
      '}',
      '',
    ].join('\n');
    const a = await analyzeFile('i18n.ts', text, undefined, { minChunkLines: 1 });
    checkInvariants(text, a.chunks, { minChunkLines: 1 });
    expect(a.chunks.map((c) => [c.startLine, c.endLine, c.symbol])).toEqual([[1, 2, null], [4, 8, 'grüße'], [10, 12, 'Straße']]);
    const fn = a.symbols.find((s) => s.name === 'grüße')!;
    expect(fn).toMatchObject({ startLine: 5, endLine: 8, signature: 'export function grüße(名前: string): string' });
    expect(a.symbols.find((s) => s.name === 'länge')).toMatchObject({ container: 'Straße', startLine: 11, signature: 'länge(): number' });
    expect(a.chunks[1].refs).toEqual(expect.arrayContaining(['prefix']));
  });

  it('survives deeply nested source', async () => {
    const cases: Array<[string, string]> = [
      ['deep1.ts', 'const x = ' + '['.repeat(5000) + ']'.repeat(5000) + ';\n'],
      ['deep2.ts', 'function f() {\n' + '{\n'.repeat(5000) + '}\n'.repeat(5000) + '}\n'],
      ['deep3.py', 'x = ' + '('.repeat(5000) + '1' + ')'.repeat(5000) + '\n'],
      ['deep4.py', Array.from({ length: 400 }, (_, i) => ' '.repeat(i) + 'if x:\n').join('') + ' '.repeat(400) + 'pass\n'],
      ['deep5.rs', 'fn f() {' + '{'.repeat(8000) + '\n'],
      ['deep6.json', '['.repeat(5000) + ']'.repeat(5000)],
    ];
    for (const [p, t] of cases) {
      const a = await analyzeFile(p, t);
      // Nested thousands deep, a file is windowed unparsed (indexer/nesting.ts): windows overlap, as a JSON file's do.
      checkInvariants(t, a.chunks, {}, p.endsWith('.json') || a.chunks.every((c) => c.kind === 'window'));
      expect(a.chunks.length, p).toBeGreaterThan(0);
    }
  });

  it('survives random garbage and truncated source in every grammar', async () => {
    const next = rng(42);
    const alphabet = 'abcXYZ_019 \t\n{}[]()<>;:,.\'"`#/\\*-+=!?&|@$%^~ü😀';
    const langs = ['x.ts', 'x.tsx', 'x.js', 'x.py', 'x.go', 'x.rs', 'x.java', 'x.cs', 'x.cpp', 'x.c', 'x.rb', 'x.php', 'x.sh', 'x.css', 'x.ps1', 'x.ini'];
    for (const p of langs) {
      const chars = Array.from(alphabet);
      const t = Array.from({ length: 4000 }, () => chars[Math.floor(next() * chars.length)]).join('');
      const a = await analyzeFile(p, t);
      checkInvariants(t, a.chunks);
    }
    for (const s of Object.values(samples)) {
      const cut = s.text.slice(0, Math.floor(s.text.length * 0.6));
      const a = await analyzeFile(s.path, cut);
      checkInvariants(cut, a.chunks);
    }
  });
});

describe('refs', () => {
  it('lists identifiers in order of first use, without keywords, comments, strings or one-letter names', async () => {
    const text = [
      'export async function loadUser(id: string, repo: UserRepo): Promise<User | null> {',
      '  // fetch from the cache before hitting the database',
      "  const cached = cache.get(id); /* stale entries are evicted elsewhere */",
      "  if (cached) return cached as User;",
      "  const user = await repo.find(id, 'users_table');",
      '  for (const x of user.tags) log(x);',
      '  return user;',
      '}',
    ].join('\n');
    const a = await analyzeFile('u.ts', text);
    expect(a.chunks).toHaveLength(1);
    expect(a.chunks[0].refs).toEqual(['loadUser', 'id', 'repo', 'UserRepo', 'Promise', 'User', 'cached', 'cache', 'get', 'user', 'find', 'tags', 'log']);
  });

  it('skips Python comments and docstrings, keeps f-string-free code', async () => {
    const text = 'def area(radius):\n    """Compute the area of a circle."""\n    # multiply by pi\n    return math.pi * radius ** 2  # done\n';
    const a = await analyzeFile('geo.py', text);
    expect(a.chunks[0].refs).toEqual(['area', 'radius', 'math', 'pi']);
  });

  it('caps the number of refs', async () => {
    const text = Array.from({ length: 50 }, (_, i) => `const name${i} = value${i};`).join('\n');
    const a = await analyzeFile('many.ts', text, undefined, { maxRefs: 10 });
    expect(a.chunks[0].refs).toHaveLength(10);
    expect(a.chunks[0].refs[0]).toBe('name0');
  });
});

describe('hashes', () => {
  it('depend on header and text, not on the path', async () => {
    const text = 'export function same() {\n  return 1;\n}\n';
    const a = await analyzeFile('a/one.ts', text);
    const b = await analyzeFile('b/two.ts', text);
    expect(a.chunks[0].hash).toBe(b.chunks[0].hash);
    const c = await analyzeFile('a/one.ts', text.replace('1', '2'));
    expect(c.chunks[0].hash).not.toBe(a.chunks[0].hash);
  });
});

afterEach(() => {
  setGrammarPath('go', null);
});
