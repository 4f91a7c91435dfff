// Auxilio keepalive plugin: the shell (Rust) starts the foreground service
// while an SOS is open or a unit is on duty, stops it after, and reads the
// battery level for the alert. Called only from Rust (run_mobile_plugin);
// the web view is granted none of these commands.

package pe.gob.munielporvenir.auxilio.keepalive

import android.app.Activity
import android.content.Context
import android.content.Intent
import android.os.BatteryManager
import androidx.core.content.ContextCompat
import app.tauri.annotation.Command
import app.tauri.annotation.InvokeArg
import app.tauri.annotation.TauriPlugin
import app.tauri.plugin.Invoke
import app.tauri.plugin.JSObject
import app.tauri.plugin.Plugin

@InvokeArg
class StartArgs {
    var title: String = "Auxilio"
    var text: String = ""
}

@TauriPlugin
class KeepalivePlugin(private val activity: Activity) : Plugin(activity) {

    /** Starts the service, or updates the notification of the running one. */
    @Command
    fun start(invoke: Invoke) {
        val args = invoke.parseArgs(StartArgs::class.java)
        val intent = Intent(activity, KeepaliveService::class.java)
            .putExtra(KeepaliveService.EXTRA_TITLE, args.title)
            .putExtra(KeepaliveService.EXTRA_TEXT, args.text)
        try {
            ContextCompat.startForegroundService(activity, intent)
            invoke.resolve()
        } catch (e: Exception) {
            // Android 12+ refuses a start from the background; 14+ without
            // the location permission. The class name says which, no data.
            invoke.reject("foreground service not started: ${e.javaClass.simpleName}")
        }
    }

    /** Stops the service; one that is not running is fine. */
    @Command
    fun stop(invoke: Invoke) {
        activity.stopService(Intent(activity, KeepaliveService::class.java))
        invoke.resolve()
    }

    /** `{ "percent": 0..100 }`, without `percent` when Android does not know. */
    @Command
    fun battery(invoke: Invoke) {
        val manager = activity.getSystemService(Context.BATTERY_SERVICE) as? BatteryManager
        val percent = manager?.getIntProperty(BatteryManager.BATTERY_PROPERTY_CAPACITY)
        val answer = JSObject()
        if (percent != null && percent in 0..100) {
            answer.put("percent", percent)
        }
        invoke.resolve(answer)
    }
}
