// An App Intent that raises an SOS from the Action button, a Shortcut, Siri
// or a Lock Screen / Control Center control, then follows its status.
// iOS 17+ sketch (not compiled here): the two calls are `raiseSos` and
// `subscribe`, the same as SosTrigger.kt on Android.
import AppIntents
import AuxilioMobile  // the generated Swift bindings + the XCFramework (see mobile/README.md)
import Foundation

/// One core per process, opened once and shared by the app, intents and widgets.
/// The opening is one task, so that concurrent callers never open two cores
/// (two writers) on one data directory.
actor Auxilio {
    static let shared = Auxilio()
    private var opening: Task<AuxilioCore, Error>?

    func open() async throws -> AuxilioCore {
        if let opening { return try await opening.value }
        let task = Task { () throws -> AuxilioCore in
            let dir = FileManager.default.urls(for: .applicationSupportDirectory, in: .userDomainMask)[0]
                .appendingPathComponent("auxilio").path
            var config = try defaultConfig(dataDir: dir, serverUrl: "https://auxilio.elporvenir.gob.pe/")
            config.appVersion = "auxilio-ios/1.0"
            return try await openCore(config: config)
        }
        opening = task
        do {
            return try await task.value
        } catch {
            opening = nil  // let a later call try again
            throw error
        }
    }
}

/// Forwards the events of one alert to a closure (called on a core thread).
final class AlertObserver: EventListener {
    let alertId: String
    let forward: @Sendable (CoreEvent) -> Void

    init(alertId: String, forward: @escaping @Sendable (CoreEvent) -> Void) {
        self.alertId = alertId
        self.forward = forward
    }

    func onEvent(event: CoreEvent) {
        switch event {
        case .queued(let id), .sent(let id), .cancelled(let id), .smsFallbackSent(let id),
             .smsFallbackNotNeeded(let id), .positionRefined(let id), .trackingStopped(let id):
            if id == alertId { forward(event) }
        case .received(let id, _), .acknowledged(let id, _), .dispatched(let id, _),
             .enRoute(let id, _), .onScene(let id, _), .resolved(let id, _):
            if id == alertId { forward(event) }
        case .smsFallback(let id, _, _), .wedged(let id, _, _):
            if id == alertId { forward(event) }
        case .queueChanged:
            break
        }
    }

    func onLagged(missed: UInt64) {
        // Events were dropped: the app re-reads `alert(alertId:)` when it comes to the front.
    }
}

/// Keeps the subscription alive; dropping the handle (or `cancel()`) stops it.
@MainActor final class SosStatus: ObservableObject {
    static let shared = SosStatus()
    @Published var text = ""
    private var subscription: TaskHandle?

    func follow(_ core: AuxilioCore, alertId: String) throws {
        subscription = try core.subscribe(listener: AlertObserver(alertId: alertId) { event in
            Task { @MainActor in SosStatus.shared.show(event) }
        })
    }

    private func show(_ event: CoreEvent) {
        switch event {
        case .received: text = "La central recibió su alerta"
        case .acknowledged: text = "Un operador vio su alerta"
        case .dispatched(_, let view): text = "Unidad asignada: \(view.unitName ?? "serenazgo")"
        case .enRoute: text = "La unidad está en camino"
        case .onScene: text = "La unidad está en el lugar"
        case .resolved: text = "Alerta atendida"; subscription = nil
        case .cancelled: text = "Alerta cancelada"; subscription = nil
        case .wedged: text = "La central rechazó la alerta: llame al 105"; subscription = nil
        default: break
        }
    }
}

struct RaiseSosIntent: AppIntent {
    static let title: LocalizedStringResource = "Botón de auxilio"
    static let description = IntentDescription("Envía una alerta de auxilio al serenazgo con su ubicación.")
    static let openAppWhenRun = false

    @Parameter(title: "Silenciosa", default: false)
    var silent: Bool

    func perform() async throws -> some IntentResult & ProvidesDialog {
        let core = try await Auxilio.shared.open()
        // 1. Raise: returns once the SOS is durably queued; core delivers it with retries.
        let alertId = try await core.raiseSos(
            request: SosRequest(kind: .sos, silent: silent, note: nil, batteryPct: nil))
        // 2. Observe: each step of the alert, until resolved or cancelled.
        try await SosStatus.shared.follow(core, alertId: alertId)
        // Tracking: a CLLocationManager with background updates calls
        // `core.feedFix(fix:)` while the alert is open.
        return .result(dialog: silent ? "" : "Alerta guardada, enviando al serenazgo")
    }
}
