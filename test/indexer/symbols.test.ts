import { describe, expect, it } from 'vitest';
import { analyzeFile, type SymbolDef } from '../../indexer/chunker.js';

/** One sample per language, covering the declaration forms the symbol table knows. */
const samples: Record<string, { path: string; text: string }> = {
  typescript: { path: 'src/a.ts', text: `import { a as b, c } from './x.js';
import * as ns from 'y';
import def from "z";
export { q } from './q';
export * from './all';
const r = require('fs');
/** doc */
@Dec()
export class Foo<T> extends Bar implements Baz {
  private x = 1;
  constructor(a: number) { super(); }
  get y(): number { return 1 }
  static async *gen() {}
  @Dec2 method(a: string): void {
    const z = await import('./dyn');
  }
}
export default function () {}
export const f = async (a: number) => { return a };
export const obj = { a: 1, m() {} };
let v = 5, w = function named() {};
interface I { a: string; m(): void }
type T = { a: number } | string;
export enum E { A, B }
declare module 'foo' { export function g(): void; }
namespace NS { export function h() {} }
abstract class Abs { abstract m(): void; }
function overload(a: string): void;
function overload(a: any) {}
export default class {}
` },
  python: { path: 'pkg/a.py', text: `"""Module doc."""
import os.path, sys as system
from . import sibling
from ..pkg.mod import a as b, c
from x import (y,
   z)
from m import *
MAX = 10
_private: int = 3
@decorator(1)
class Foo(Base):
    """Doc."""
    attr = 1
    def method(self, a: int) -> int:
        return a
    @property
    async def prop(self): pass
def top(a, *args, **kw):
    def inner(): pass
    return inner
if __name__ == '__main__':
    main()
` },
  go: { path: 'cmd/a.go', text: `package main

import "fmt"
import (
	"os"
	str "strings"
	_ "embed"
)

const Max = 10
const (
	A = iota
	b
)
var x, y int = 1, 2

// Server serves.
type Server struct {
	Name string
}
type Handler interface { Serve() }
type ID = string
type (
	P struct{}
)

func (s *Server) Start(port int) error {
	return nil
}
func (Server) Value() {}
func (s *List[T]) Push(v T) {}
func New() *Server { return &Server{} }
` },
  rust: { path: 'src/a.rs', text: `use crate::config::{Config, load as ld};
use std::io;
use super::util::*;
mod parser;
pub mod inline { pub fn f() {} }
/// Doc comment
#[derive(Debug)]
pub struct Point<T> { x: T }
pub enum Shape { Circle(f64) }
pub trait Area { fn area(&self) -> f64; fn d(&self) {} }
impl<T> Area for Point<T> where T: Copy {
    fn area(&self) -> f64 { 0.0 }
}
impl Point<i32> { pub fn new() -> Self { todo!() } }
pub const MAX: u32 = 1;
static NAME: &str = "x";
pub type Res<T> = Result<T, Error>;
pub(crate) async fn run() {}
macro_rules! m { () => {} }
union U { a: u32 }
extern crate foo;
` },
  java: { path: 'src/A.java', text: `package com.example.app;
import java.util.List;
import static java.lang.Math.max;
import com.example.util.*;
/** Doc */
@Service
public class UserService<T> extends Base implements Api {
    private final int count = 0;
    public UserService(int c) { super(); }
    @Override
    public List<String> find(String q) throws IOException {
        return null;
    }
    static class Inner {}
    enum Color { RED, GREEN; void m() {} }
}
interface Api { void find(); }
record Pair(int a, int b) {}
@interface Ann {}
` },
  csharp: { path: 'src/a.cs', text: `using System;
using static System.Math;
using Alias = System.Text;
namespace App.Services
{
    /// <summary>Doc</summary>
    [Serializable]
    public class UserService : IService
    {
        private int _count;
        public string Name { get; set; }
        public UserService(int c) { _count = c; }
        public async Task<int> FindAsync(string q) { return 1; }
        public event EventHandler Changed;
    }
    public interface IService { void Find(); }
    public struct P { }
    public enum Color { Red }
    public record Person(string Name);
    public delegate void D();
}
namespace Other;
class X {}
` },
  cpp: { path: 'src/a.cpp', text: `#include "util/helper.h"
#include <vector>
#define MAX 10
namespace app {
// Doc
class Widget : public Base {
public:
    Widget(int w);
    ~Widget();
    int size() const { return w_; }
    virtual void draw() = 0;
private:
    int w_;
};
struct Point { int x; };
template <typename T>
T maxOf(T a, T b) { return a > b ? a : b; }
Widget::Widget(int w) : w_(w) {}
int Widget::compute(int a) { return a; }
static int helper(void) { return 0; }
enum class Color { Red };
typedef int myint;
using Str = std::string;
}
int *make(void) { return 0; }
namespace a::b { void f(); }
` },
  ruby: { path: 'lib/a.rb', text: `require 'json'
require_relative '../lib/helper'
# Doc
module Billing
  class Invoice < Base
    attr_reader :total
    MAX = 3
    def initialize(total)
      @total = total
    end
    def self.build; new(0); end
    private
    def secret?; end
  end
end
def top_level(a) = a * 2
class Foo::Bar; end
` },
  php: { path: 'src/a.php', text: String.raw`<?php
namespace App\Http;

use App\Models\User;
use App\Support\{Str, Arr as A};
require_once __DIR__ . '/helpers.php';
include 'config.php';

/** Doc */
#[Attr]
final class UserController extends Controller implements I
{
    use SomeTrait;
    private const MAX = 3;
    public int $count = 0;
    public function __construct(private User $u) {}
    public static function index(): array { return []; }
}
interface I { public function x(); }
trait T { function t() {} }
enum Suit: string { case H = 'h'; }
function helper($a) { return $a; }
const X = 1;
` },
  bash: { path: 'bin/a.sh', text: `#!/usr/bin/env bash
set -euo pipefail
source ./lib.sh
. "$DIR/other.sh"
# Doc
build() {
  echo "building"
}
function deploy {
  local x=1
}
VAR=1
` },
  powershell: { path: 'tools/a.ps1', text: `Import-Module ./Foo.psm1
. ./lib.ps1
function Get-Thing {
  param($a)
  Write-Output $a
}
class Car { [string]$Make; Drive() { } }
` },
};

type Row = [kind: string, name: string, container: string | null, startLine: number, endLine: number, exported: boolean, signature: string];

const expected: Record<string, Row[]> = {
  typescript: [
    ["constant","r",null,6,6,false,"const r = require('fs')"],
    ["class","Foo",null,8,17,true,"export class Foo<T> extends Bar implements Baz"],
    ["field","x","Foo",10,10,false,"private x = 1"],
    ["constructor","constructor","Foo",11,11,true,"constructor(a: number)"],
    ["method","y","Foo",12,12,true,"get y(): number"],
    ["method","gen","Foo",13,13,true,"static async *gen()"],
    ["method","method","Foo",14,16,true,"method(a: string): void"],
    ["function","default",null,18,18,true,"export default function ()"],
    ["function","f",null,19,19,true,"export const f = async (a: number) =>"],
    ["constant","obj",null,20,20,true,"export const obj = { a: 1, m() {} }"],
    ["variable","v",null,21,21,false,"let v = 5, w = function named() {}"],
    ["function","w",null,21,21,false,"w = function named()"],
    ["interface","I",null,22,22,false,"interface I"],
    ["property","a","I",22,22,false,"a: string"],
    ["method","m","I",22,22,false,"m(): void"],
    ["type","T",null,23,23,false,"type T = { a: number } | string"],
    ["enum","E",null,24,24,true,"export enum E"],
    ["module","foo",null,25,25,false,"declare module 'foo'"],
    ["function","g","foo",25,25,false,"export function g(): void"],
    ["namespace","NS",null,26,26,false,"namespace NS"],
    ["function","h","NS",26,26,false,"export function h()"],
    ["class","Abs",null,27,27,false,"abstract class Abs"],
    ["method","m","Abs",27,27,false,"abstract m(): void"],
    ["function","overload",null,28,28,false,"function overload(a: string): void"],
    ["function","overload",null,29,29,false,"function overload(a: any)"],
    ["class","default",null,30,30,true,"export default class"],
    // an object literal's method is the object's (indexer/local-symbols.ts)
    ["method","m","obj",20,20,false,"m() {}"],
  ],
  python: [
    ["constant","MAX",null,8,8,true,"MAX = 10"],
    ["variable","_private",null,9,9,false,"_private: int = 3"],
    ["class","Foo",null,10,17,true,"class Foo(Base):"],
    ["field","attr","Foo",13,13,true,"attr = 1"],
    ["method","method","Foo",14,15,true,"def method(self, a: int) -> int:"],
    ["method","prop","Foo",16,17,true,"async def prop(self):"],
    ["function","top",null,18,20,true,"def top(a, *args, **kw):"],
    // nested definitions are symbols too, contained by their function (indexer/local-symbols.ts)
    ["function","inner","top",19,19,false,"def inner(): pass"],
  ],
  go: [
    ["constant","Max",null,10,10,true,"const Max = 10"],
    ["constant","A",null,12,12,true,"A = iota"],
    ["constant","b",null,13,13,false,"b"],
    ["variable","x",null,15,15,false,"var x, y int = 1, 2"],
    ["variable","y",null,15,15,false,"x, y int = 1, 2"],
    ["struct","Server",null,18,20,true,"type Server struct"],
    ["interface","Handler",null,21,21,true,"type Handler"],
    ["type","ID",null,22,22,true,"type ID = string"],
    ["struct","P",null,24,24,true,"P struct"],
    ["method","Start","Server",27,29,true,"func (s *Server) Start(port int) error"],
    ["method","Value","Server",30,30,true,"func (Server) Value()"],
    ["method","Push","List",31,31,true,"func (s *List[T]) Push(v T)"],
    ["function","New",null,32,32,true,"func New() *Server"],
  ],
  rust: [
    ["module","parser",null,4,4,false,"mod parser"],
    ["module","inline",null,5,5,true,"pub mod inline"],
    ["function","f","inline",5,5,true,"pub fn f()"],
    ["struct","Point",null,8,8,true,"pub struct Point<T>"],
    ["enum","Shape",null,9,9,true,"pub enum Shape"],
    ["trait","Area",null,10,10,true,"pub trait Area"],
    ["method","area","Area",10,10,true,"fn area(&self) -> f64"],
    ["method","d","Area",10,10,true,"fn d(&self)"],
    ["method","area","Point",12,12,true,"fn area(&self) -> f64"],
    ["method","new","Point",14,14,true,"pub fn new() -> Self"],
    ["constant","MAX",null,15,15,true,"pub const MAX: u32 = 1"],
    ["variable","NAME",null,16,16,false,"static NAME: &str = \"x\""],
    ["type","Res",null,17,17,true,"pub type Res<T> = Result<T, Error>"],
    ["function","run",null,18,18,true,"pub(crate) async fn run()"],
    ["macro","m",null,19,19,false,"macro_rules! m { () => {} }"],
    ["union","U",null,20,20,false,"union U"],
  ],
  java: [
    ["class","UserService",null,6,16,true,"public class UserService<T> extends Base implements Api"],
    ["field","count","UserService",8,8,false,"private final int count = 0"],
    ["constructor","UserService","UserService",9,9,true,"public UserService(int c)"],
    ["method","find","UserService",10,13,true,"public List<String> find(String q) throws IOException"],
    ["class","Inner","UserService",14,14,false,"static class Inner"],
    ["enum","Color","UserService",15,15,false,"enum Color"],
    ["method","m","Color",15,15,false,"void m()"],
    ["interface","Api",null,17,17,false,"interface Api"],
    ["method","find","Api",17,17,false,"void find()"],
    ["record","Pair",null,18,18,false,"record Pair(int a, int b)"],
    ["interface","Ann",null,19,19,false,"@interface Ann"],
  ],
  csharp: [
    ["namespace","App.Services",null,4,21,true,"namespace App.Services"],
    ["class","UserService","App.Services",7,15,true,"public class UserService : IService"],
    ["field","_count","UserService",10,10,false,"private int _count"],
    ["property","Name","UserService",11,11,true,"public string Name"],
    ["constructor","UserService","UserService",12,12,true,"public UserService(int c)"],
    ["method","FindAsync","UserService",13,13,true,"public async Task<int> FindAsync(string q)"],
    ["event","Changed","UserService",14,14,true,"public event EventHandler Changed"],
    ["interface","IService","App.Services",16,16,true,"public interface IService"],
    ["method","Find","IService",16,16,true,"void Find()"],
    ["struct","P","App.Services",17,17,true,"public struct P"],
    ["enum","Color","App.Services",18,18,true,"public enum Color"],
    ["record","Person","App.Services",19,19,true,"public record Person(string Name)"],
    ["type","D","App.Services",20,20,true,"public delegate void D()"],
    ["namespace","Other",null,22,22,true,"namespace Other"],
    ["class","X",null,23,23,true,"class X"],
  ],
  cpp: [
    ["macro","MAX",null,3,3,true,"#define MAX 10"],
    ["namespace","app",null,4,24,true,"namespace app"],
    ["class","Widget","app",6,14,true,"class Widget : public Base"],
    ["constructor","Widget","Widget",8,8,true,"Widget(int w)"],
    ["constructor","~Widget","Widget",9,9,true,"~Widget()"],
    ["method","size","Widget",10,10,true,"int size() const"],
    ["method","draw","Widget",11,11,true,"virtual void draw() = 0"],
    ["field","w_","Widget",13,13,true,"int w_"],
    ["struct","Point","app",15,15,true,"struct Point"],
    ["field","x","Point",15,15,true,"int x"],
    ["function","maxOf","app",16,17,true,"template <typename T> T maxOf(T a, T b)"],
    ["constructor","Widget","Widget",18,18,true,"Widget::Widget(int w) : w_(w)"],
    ["method","compute","Widget",19,19,true,"int Widget::compute(int a)"],
    ["function","helper","app",20,20,false,"static int helper(void)"],
    ["enum","Color","app",21,21,true,"enum class Color"],
    ["type","myint","app",22,22,true,"typedef int myint"],
    ["type","Str","app",23,23,true,"using Str = std::string"],
    ["function","make",null,25,25,true,"int *make(void)"],
    ["namespace","a::b",null,26,26,true,"namespace a::b"],
    ["function","f","a::b",26,26,true,"void f()"],
  ],
  ruby: [
    ["module","Billing",null,4,15,true,"module Billing"],
    ["class","Invoice","Billing",5,14,true,"class Invoice < Base"],
    ["constant","MAX","Invoice",7,7,true,"MAX = 3"],
    ["method","initialize","Invoice",8,10,true,"def initialize(total)"],
    ["method","build","Invoice",11,11,true,"def self.build"],
    ["method","secret?","Invoice",13,13,true,"def secret?"],
    ["function","top_level",null,16,16,true,"def top_level(a) ="],
    ["class","Bar",null,17,17,true,"class Foo::Bar"],
  ],
  php: [
    ["class","UserController",null,10,18,true,"final class UserController extends Controller implements I"],
    ["constant","MAX","UserController",14,14,false,"private const MAX = 3"],
    ["property","count","UserController",15,15,true,"public int $count = 0"],
    ["constructor","__construct","UserController",16,16,true,"public function __construct(private User $u)"],
    ["method","index","UserController",17,17,true,"public static function index(): array"],
    ["interface","I",null,19,19,true,"interface I"],
    ["method","x","I",19,19,true,"public function x()"],
    ["trait","T",null,20,20,true,"trait T"],
    ["method","t","T",20,20,true,"function t()"],
    ["enum","Suit",null,21,21,true,"enum Suit: string"],
    ["function","helper",null,22,22,true,"function helper($a)"],
    ["constant","X",null,23,23,true,"const X = 1"],
  ],
  bash: [
    ["function","build",null,6,8,true,"build()"],
    ["function","deploy",null,9,11,true,"function deploy"],
    ["variable","VAR",null,12,12,true,"VAR=1"],
  ],
  powershell: [
    ["function","Get-Thing",null,3,6,true,"function Get-Thing"],
    ["class","Car",null,7,7,true,"class Car"],
    ["property","Make","Car",7,7,true,"[string]$Make"],
    ["method","Drive","Car",7,7,true,"Drive()"],
  ],
};

const row = (s: SymbolDef): Row => [s.kind, s.name, s.container, s.startLine, s.endLine, s.exported, s.signature];

describe('symbols per language', () => {
  it.each(Object.keys(expected))('%s: every definition, with container, range, signature and export', async (lang) => {
    const s = samples[lang];
    const a = await analyzeFile(s.path, s.text);
    expect(a.language).toBe(lang);
    expect(a.symbols.map(row)).toEqual(expected[lang]);
    for (const sym of a.symbols) expect(sym.path).toBe(s.path);
  });
});

describe('symbol details', () => {
  it('collapses multi-line signatures and stops at the body', async () => {
    const text = [
      'export async function createServer(',
      '  options: ServerOptions,',
      '  logger: Logger = defaultLogger,',
      '): Promise<Server> {',
      '  return new Server(options, logger);',
      '}',
      '',
    ].join('\n');
    const a = await analyzeFile('s.ts', text);
    expect(a.symbols).toEqual([{
      name: 'createServer', kind: 'function', path: 's.ts', startLine: 1, endLine: 6, container: null, exported: true,
      signature: 'export async function createServer( options: ServerOptions, logger: Logger = defaultLogger, ): Promise<Server>',
    }]);
  });

  it('caps signatures at 200 characters', async () => {
    const params = Array.from({ length: 40 }, (_, i) => `p${i}: number`).join(', ');
    const a = await analyzeFile('long.ts', `function wide(${params}) {\n  return 0;\n}\n`);
    expect(a.symbols[0].signature.length).toBeLessThanOrEqual(200);
    expect(a.symbols[0].signature.startsWith('function wide(p0: number, p1: number')).toBe(true);
  });

  it('leaves out decorators and annotations from signatures but not from ranges', async () => {
    const py = await analyzeFile('d.py', '@app.route("/users")\n@login_required\ndef users():\n    return []\n');
    expect(py.symbols[0]).toMatchObject({ name: 'users', startLine: 1, endLine: 4, signature: 'def users():' });
    const java = await analyzeFile('D.java', 'class D {\n  @Override\n  @Deprecated\n  public String toString() {\n    return "";\n  }\n}\n');
    expect(java.symbols[1]).toMatchObject({ name: 'toString', kind: 'method', container: 'D', startLine: 2, endLine: 6, signature: 'public String toString()' });
    const rs = await analyzeFile('d.rs', '/// Docs\n#[inline]\npub fn fast() -> u8 {\n    1\n}\n');
    expect(rs.symbols[0]).toMatchObject({ name: 'fast', startLine: 3, signature: 'pub fn fast() -> u8' });
  });

  it('lists nested classes, members and nested functions, but not plain local variables', async () => {
    const text = [
      'class Outer:',
      '    class Inner:',
      '        def deep(self):',
      '            local_var = 1',
      '            def helper():',
      '                pass',
      '            return helper',
      '',
      'def top():',
      '    inner_value = 2',
      '    return inner_value',
      '',
    ].join('\n');
    const a = await analyzeFile('n.py', text);
    expect(a.symbols.map((s) => [s.kind, s.container, s.name])).toEqual([
      ['class', null, 'Outer'], ['class', 'Outer', 'Inner'], ['method', 'Inner', 'deep'], ['function', null, 'top'], ['function', 'deep', 'helper'],
    ]);
  });

  it('lists computed locals and nested functions of JS/TS with their enclosing function', async () => {
    const a = await analyzeFile('l.ts', [
      'export function outer(input: string) {',
      '  const parsed = JSON.parse(input);',
      '  const count = 0;',
      '  const dep = require("dep");',
      '  function inner() { return parsed; }',
      '  const arrow = () => inner();',
      '  return arrow;',
      '}',
      '',
    ].join('\n'));
    expect(a.symbols.map((s) => [s.kind, s.container, s.name, s.startLine])).toEqual([
      ['function', null, 'outer', 1], ['local', 'outer', 'parsed', 2], ['function', 'outer', 'inner', 5], ['function', 'outer', 'arrow', 6],
    ]);
  });

  it("lists an object's methods as the object's, wherever the object is built", async () => {
    const a = await analyzeFile('o.js', [
      'function Foo() {',
      '  this.bar = function (a) { return a; };',
      '}',
      'const api = {',
      '  validate(data, params) { return data; },',
      '  check: function (x) { return x; },',
      '  arrow: (y) => y,',
      '  nested: { deep() {} },',
      '};',
      'function make() {',
      '  return { code(context) { return context; } };',
      '}',
      'function plugin(fastify) {',
      '  fastify.decorate = function (name) {};',
      '  Reply.prototype.code = function (status) {};',
      '  window.helper = function () {};',
      '}',
      'module.exports = function validator(schema) {};',
      '',
    ].join('\n'));
    expect(a.symbols.filter((s) => s.kind === 'method').map((s) => [s.container, s.name, s.startLine])).toEqual([
      ['Foo', 'bar', 2], ['api', 'validate', 5], ['nested', 'deep', 8], ['make', 'code', 11], ['fastify', 'decorate', 14], ['Reply', 'code', 15],
    ]);
    // (A key's function value is an option's callback as often as a method; `module.exports` is the module, not a member.)
    expect(a.symbols.map((s) => s.name)).not.toContain('check');
    expect(a.symbols.map((s) => s.name)).not.toContain('arrow');
    expect(a.symbols.map((s) => s.name)).not.toContain('exports');
    expect(a.symbols.map((s) => s.name)).not.toContain('helper');
  });

  it("lists Rust's nested functions and Java's local and anonymous classes' methods", async () => {
    const rs = await analyzeFile('src/a.rs', 'pub fn outer() -> u32 {\n    fn helper(x: u32) -> u32 { x + 1 }\n    struct Pair(u32, u32);\n    helper(1)\n}\n');
    expect(rs.symbols.map((s) => [s.kind, s.container, s.name, s.startLine])).toEqual([
      ['function', null, 'outer', 1], ['function', 'outer', 'helper', 2], ['struct', 'outer', 'Pair', 3],
    ]);
    const java = await analyzeFile('A.java', [
      'class A {',
      '  Runnable r = new Runnable() {',
      '    @Override public void run() { go(); }',
      '  };',
      '  void go() {',
      '    class Local { void inLocal() {} }',
      '  }',
      '}',
      '',
    ].join('\n'));
    expect(java.symbols.map((s) => [s.kind, s.container, s.name, s.startLine])).toEqual([
      ['class', null, 'A', 1], ['field', 'A', 'r', 2], ['method', 'A', 'go', 5],
      // an anonymous class's method is the type it implements
      ['method', 'Runnable', 'run', 3], ['class', 'go', 'Local', 6], ['method', 'Local', 'inLocal', 6],
    ]);
  });

  it('marks members of non-exported containers as not exported', async () => {
    const a = await analyzeFile('e.ts', 'class Hidden {\n  visible(): void {}\n}\nexport class Shown {\n  visible(): void {}\n  private secret(): void {}\n}\n');
    expect(a.symbols.map((s) => [s.container, s.name, s.exported])).toEqual([
      [null, 'Hidden', false], ['Hidden', 'visible', false], [null, 'Shown', true], ['Shown', 'visible', true], ['Shown', 'secret', false],
    ]);
  });

  it("names C#'s file-scoped namespace (`namespace Acme.Billing;`) as a namespace of the file", async () => {
    const a = await analyzeFile('Invoice.cs', 'namespace Acme.Billing;\n\npublic class Invoice\n{\n    public int Total() { return 1; }\n}\n');
    expect(a.symbols.map((s) => [s.kind, s.name, s.container])).toEqual([['namespace', 'Acme.Billing', null], ['class', 'Invoice', null], ['method', 'Total', 'Invoice']]);
  });

  it('names what a TS file exports under another name as an alias of its own definition, not what it re-exports or exports as default', async () => {
    const text = 'class Timestamp_ {}\nclass Time_ {}\nexport {\n  Timestamp_ as Timestamp,\n  Time_ as Time,\n  Time_,\n  Time_ as default,\n};\nexport { a as b } from "./elsewhere";\n';
    const a = await analyzeFile('type.ts', text);
    expect(a.symbols.map((s) => [s.kind, s.name, s.startLine, s.signature, s.exported])).toEqual([
      ['class', 'Timestamp_', 1, 'class Timestamp_', false],
      ['class', 'Time_', 2, 'class Time_', false],
      ['alias', 'Timestamp', 4, 'export { Timestamp_ as Timestamp }', true],
      ['alias', 'Time', 5, 'export { Time_ as Time }', true],
    ]);
  });

  it('names TS/JS destructured bindings, CommonJS exports, prototype methods and functions set on objects, not require bindings', async () => {
    const text = [
      "const { join, resolve: res } = require('path');",
      'const { width, height: tall = 2 } = measure(box);',
      'module.exports.handler = async function (event) {',
      '  return event;',
      '};',
      'Reply.prototype.send = function (payload) {',
      '  return this;',
      '};',
      'webidl.brandCheck = function (V, I) {',
      '  return V;',
      '};',
      'webidl.errors.exception = (message) => new TypeError(message);',
      'webidl.limit = 3;',
      'module.exports = webidl;',
      '',
    ].join('\n');
    const a = await analyzeFile('c.js', text);
    expect(a.symbols.map((s) => [s.kind, s.container, s.name, s.signature])).toEqual([
      ['constant', null, 'width', 'const { width, height: tall = 2 } = measure(box);'],
      ['constant', null, 'tall', 'const { width, height: tall = 2 } = measure(box);'],
      ['function', null, 'handler', 'module.exports.handler = async function (event)'],
      ['method', 'Reply', 'send', 'Reply.prototype.send = function (payload)'],
      ['method', 'webidl', 'brandCheck', 'webidl.brandCheck = function (V, I)'],
      ['method', 'errors', 'exception', 'webidl.errors.exception = (message) =>'],
    ]);
  });

  it('finds declarations inside C include guards and extern "C" blocks', async () => {
    const text = [
      '#ifndef UTIL_H',
      '#define UTIL_H',
      '#ifdef __cplusplus',
      'extern "C" {',
      '#endif',
      'typedef struct {',
      '  int len;',
      '} buffer_t;',
      'int buffer_init(buffer_t *b, int cap);',
      'static inline int buffer_len(const buffer_t *b) { return b->len; }',
      '#ifdef __cplusplus',
      '}',
      '#endif',
      '#endif',
      '',
    ].join('\n');
    const a = await analyzeFile('util.h', text);
    expect(a.language).toBe('c');
    expect(a.symbols.map((s) => [s.kind, s.name, s.exported])).toEqual([
      ['macro', 'UTIL_H', true], ['struct', 'buffer_t', true], ['function', 'buffer_init', true], ['function', 'buffer_len', false],
    ]);
  });

  it('gives Rust impl members the impl type as container, not the trait', async () => {
    const text = 'struct Meters(f64);\nimpl std::ops::Add for Meters {\n    type Output = Meters;\n    fn add(self, o: Meters) -> Meters { Meters(self.0 + o.0) }\n}\nimpl<T: Clone> Wrapper<T> {\n    fn get(&self) -> T { self.0.clone() }\n}\n';
    const a = await analyzeFile('m.rs', text);
    expect(a.symbols.map((s) => [s.kind, s.container, s.name])).toEqual([
      ['struct', null, 'Meters'], ['type', 'Meters', 'Output'], ['method', 'Meters', 'add'], ['method', 'Wrapper', 'get'],
    ]);
  });

  it("marks an inherent impl's members without pub private, a trait's and a trait impl's public", async () => {
    const text = [
      'pub struct Pool;',
      'pub trait Drain { fn drain(&mut self); }',
      'impl Drain for Pool { fn drain(&mut self) {} }',
      'impl Pool {',
      '    pub fn get(&self) {}',
      '    pub(crate) fn put(&self) {}',
      '    fn evict(&self) {}',
      '    const LIMIT: usize = 8;',
      '}',
    ].join('\n');
    const a = await analyzeFile('pool.rs', text);
    expect(a.symbols.map((s) => [s.container, s.name, s.exported])).toEqual([
      [null, 'Pool', true], [null, 'Drain', true], ['Drain', 'drain', true], ['Pool', 'drain', true],
      ['Pool', 'get', true], ['Pool', 'put', true], ['Pool', 'evict', false], ['Pool', 'LIMIT', false],
    ]);
  });

  it('marks what other C# files of the project see exported: public, internal, top-level types, interface members', async () => {
    const text = [
      'namespace Shop {',
      '  class Cart { int count; internal int Total; protected internal void Add() {} private protected void Trim() {} class Line {} }',
      '  interface IStore { void Save(); private void Log() {} int Size { get; } }',
      '  enum Kind { One }',
      '}',
    ].join('\n');
    const a = await analyzeFile('shop.cs', text);
    expect(a.symbols.map((s) => [s.container, s.name, s.exported])).toEqual([
      [null, 'Shop', true], ['Shop', 'Cart', true], ['Cart', 'count', false], ['Cart', 'Total', true], ['Cart', 'Add', true],
      ['Cart', 'Trim', false], ['Cart', 'Line', false], ['Shop', 'IStore', true], ['IStore', 'Save', true], ['IStore', 'Log', false],
      ['IStore', 'Size', true], ['Shop', 'Kind', true],
    ]);
  });
});
