import ArgumentParser
import CommandLineSupport
import Foundation
import Shared

/// `sweep join-token create|list|revoke`: join tokens that expire, for recipes and rented boxes.
struct JoinTokenCommand: AsyncParsableCommand {
  static let configuration = CommandConfiguration(
    commandName: "join-token",
    abstract: "Mint, list or revoke join tokens that expire (for recipes and rented boxes).",
    discussion: """
      A minted token lets a machine register and download the worker until it expires or is \
      revoked, like the coordinator's own join token; workers that joined keep working after. \
      sweep deploy --expires mints one for its recipe.
      """,
    subcommands: [Create.self, List.self, Revoke.self])

  struct Create: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "create", abstract: "Mint a join token; prints it (once: only its hash is kept).")
    @Option(help: "How long it joins machines, e.g. 24h or 7d (60s to 30d).") var expires: String = "24h"
    @Option(help: "What it is for (shown by list).") var label: String?
    @Flag(help: "Print the JSON.") var json = false
    @OptionGroup var admin: AdminOptions

    func run() async throws {
      let created = try await JoinTokens.mint(client: try admin.client(), expires: expires, label: label)
      var out = StandardOutput()
      if json {
        out.line(String(decoding: try WireCoding.encoder().encode(created), as: UTF8.self))
      } else {
        out.line(created.token ?? "")
        StandardOutput.error("join token \(created.id) expires at \(created.expiresAt)")
      }
      out.flush()
    }
  }

  struct List: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "list", abstract: "The minted join tokens: active, expired or revoked.")
    @Flag(help: "Print the JSON.") var json = false
    @OptionGroup var admin: AdminOptions

    func run() async throws {
      let client = try admin.client()
      let reply = try await client.send(.GET, "/v1/join-tokens")
      var out = StandardOutput()
      if json {
        out.line(String(decoding: reply.body, as: UTF8.self))
      } else {
        let list = try client.decode(JoinTokenList.self, reply)
        var rows = [["ID", "STATE", "EXPIRES", "LABEL"]]
        rows += list.tokens.map { [$0.id, $0.state.rawValue, $0.expiresAt, $0.label] }
        for line in TextTable.render(rows) { out.line(line) }
      }
      out.flush()
    }
  }

  struct Revoke: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
      commandName: "revoke", abstract: "Revoke a join token: no machine joins with it any more.")
    @Argument(help: "The token's id (jt-…), as list shows it.") var id: String
    @OptionGroup var admin: AdminOptions

    func run() async throws {
      let client = try admin.client()
      let revoked = try client.decode(
        JoinTokenSummary.self, try await client.send(.DELETE, "/v1/join-tokens/\(id)"))
      var out = StandardOutput()
      out.line("join token \(revoked.id) revoked")
      out.flush()
    }
  }
}

/// Minting, shared by `sweep join-token create`, `sweep deploy` and `sweep fleet up`.
package enum JoinTokens {
  package static func mint(client: AdminClient, expires: String, label: String?) async throws(CLIError)
    -> JoinTokenSummary
  {
    guard let lifetime = DurationText.parse(expires), JoinTokenRecord.lifetimes.contains(lifetime) else {
      throw CLIError(.badInput, "--expires: expected a duration from 60s to 30d, such as 24h, got '\(expires)'")
    }
    let request = CreateJoinTokenRequest(expiresInS: lifetime.secondsDouble, label: label)
    let body: String
    do {
      body = String(decoding: try WireCoding.encoder().encode(request), as: UTF8.self)
    } catch {
      throw CLIError(.runtime, "cannot encode the request: \(error)")
    }
    return try client.decode(JoinTokenSummary.self, try await client.send(.POST, "/v1/join-tokens", body: body))
  }
}
